/**
 * Server-Sent Events frames of the change feed. Each frame is encoded once, as a Buffer, and
 * the same Buffer is written to every connection. Data lines are single-line JSON.
 *
 * Events, in the order a connection sees them:
 * - `hello`: `{ verifierId, authorityInstance, head, issuer }`
 * - `snapshot`: `{ sequence, oauth }` then `keys` chunks of `[id, hash, principalId, scopes,
 *   audience, expiresAt, deprecated(0|1)]` rows, then `snapshot_end` `{ sequence, keyCount }`
 *   with `id: sequence`
 * - `change` with `id: seq`: `{ seq, type, at, data }`, strictly in sequence order
 * - `heartbeat` about every second: `{ head, at }`
 */
import type { ChangeLogTable } from "../db/schema.js";

export function frame(event: string, data: string, id?: number): Buffer {
  return Buffer.from(`${id === undefined ? "" : `id: ${id}\n`}event: ${event}\ndata: ${data}\n\n`);
}

/** A change-log row as a `change` frame, reusing the stored JSON text of its data. */
export function changeFrame(row: ChangeLogTable): Buffer {
  // Stored data is JSON.stringify output (one line); re-encode anything else defensively.
  const data = row.data.includes("\n") || row.data.includes("\r") ? JSON.stringify(JSON.parse(row.data)) : row.data;
  return frame(
    "change",
    `{"seq":${Number(row.seq)},"type":${JSON.stringify(row.type)},"at":${Number(row.at)},"data":${data}}`,
    Number(row.seq),
  );
}

export function heartbeatFrame(head: number, at: number): Buffer {
  return frame("heartbeat", `{"head":${head},"at":${at}}`);
}

/** The compact snapshot row of one key (scopes are already JSON text in the database). */
export function snapshotKeyRow(row: {
  id: string;
  key_hash: string;
  principal_id: string;
  scopes: string;
  audience: string | null;
  expires_at: number | null;
  status: string;
}): string {
  return `[${JSON.stringify(row.id)},${JSON.stringify(row.key_hash)},${JSON.stringify(row.principal_id)},${row.scopes},${
    row.audience === null ? "null" : JSON.stringify(row.audience)
  },${row.expires_at === null ? "null" : Number(row.expires_at)},${row.status === "deprecated" ? 1 : 0}]`;
}
