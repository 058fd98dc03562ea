/**
 * Server-Sent Events frames of the change feed. Each frame is encoded once, as a Buffer, and
 * the same Buffer is written to every connection. Data lines are single-line JSON.
 *
 * Events, in the order a connection sees them:
 * - `hello`: `{ verifierId, authorityInstance, head, issuer }`
 * - `snapshot`: `{ sequence, oauth }` then `keys` chunks (by column, see snapshot.ts), then
 *   `snapshot_end` `{ sequence, keyCount }` with `id: sequence`
 * - `change` with `id: seq`: `{ seq, type, at, data }`, strictly in sequence order
 * - `heartbeat` about every second: `{ head, at }`
 */
import type { ChangeLogTable } from "../db/schema.js";

export function frame(event: string, data: string, id?: number): Buffer {
  return Buffer.from(`${id === undefined ? "" : `id: ${id}\n`}event: ${event}\ndata: ${data}\n\n`);
}

/** Below this many bytes a change goes out as stored: compacting it would not pay. */
const COMPACT_FROM_BYTES = 4096;

/**
 * What verifiers need of a large revocation: the compact form the revocation recorded (ranges
 * of key ordinals per principal, the scope it matched, a bitmap of ordinals or the ordinals
 * listed: see services/compact-revocation.ts), otherwise (an entry from before ordinals) the
 * ids as one list. The stored entry keeps the
 * ids as an array for everyone else (webhooks, audit).
 */
function forVerifiers(type: string, stored: string): string {
  if (stored.length < COMPACT_FROM_BYTES) return stored;
  if (type === "key.revoked") {
    const data = JSON.parse(stored) as {
      ids?: unknown[];
      runs?: unknown;
      ordinalBitmap?: unknown;
      scopeMatch?: unknown;
      ordinalDeltas?: unknown;
      reason?: unknown;
      cause?: unknown;
    };
    const count = data.ids?.length ?? 0;
    if (data.runs !== undefined) {
      return JSON.stringify({ runs: data.runs, count, reason: data.reason, cause: data.cause });
    }
    if (data.scopeMatch !== undefined) {
      return JSON.stringify({ scopeMatch: data.scopeMatch, count, reason: data.reason, cause: data.cause });
    }
    if (data.ordinalBitmap !== undefined) {
      return JSON.stringify({ ordinalBitmap: data.ordinalBitmap, count, reason: data.reason, cause: data.cause });
    }
    if (data.ordinalDeltas !== undefined) {
      return JSON.stringify({ ordinalDeltas: data.ordinalDeltas, count, reason: data.reason, cause: data.cause });
    }
    // Key by key: the ids as one space-separated string, which a verifier parses as one
    // string and walks, instead of an array of 100,000 strings to allocate and collect.
    const ids = data.ids ?? [];
    if (!ids.every((id) => typeof id === "string" && !id.includes(" "))) return stored;
    return JSON.stringify({ idList: ids.join(" "), count: ids.length, reason: data.reason, cause: data.cause });
  }
  if (type === "principal.disabled") {
    // Its keys were revoked by the `key.revoked` entry just before, principal-wide.
    const data = JSON.parse(stored) as { principalId?: unknown; revokedKeyIds?: unknown[] };
    return JSON.stringify({ principalId: data.principalId, revokedKeyCount: data.revokedKeyIds?.length ?? 0 });
  }
  return stored;
}

/** A change-log row as a `change` frame, reusing the stored JSON text of its data. */
export function changeFrame(row: ChangeLogTable): Buffer {
  const stored = forVerifiers(row.type, row.data);
  // Stored data is JSON.stringify output (one line); re-encode anything else defensively.
  const data = stored.includes("\n") || stored.includes("\r") ? JSON.stringify(JSON.parse(stored)) : stored;
  return frame(
    "change",
    `{"seq":${Number(row.seq)},"type":${JSON.stringify(row.type)},"at":${Number(row.at)},"data":${data}}`,
    Number(row.seq),
  );
}

export function heartbeatFrame(head: number, at: number): Buffer {
  return frame("heartbeat", `{"head":${head},"at":${at}}`);
}
