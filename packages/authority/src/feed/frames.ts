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
import type { CompactRevocationWire, HeartbeatWire, KeyRevokedWire } from "@tessera/verifier/wire";
import type { ChangeLogTable } from "../db/schema.js";

export function frame(event: string, data: string, id?: number): Buffer {
  return Buffer.from(`${id === undefined ? "" : `id: ${id}\n`}event: ${event}\ndata: ${data}\n\n`);
}

/** Below this many bytes a change goes out as stored: compacting it would not pay. */
const COMPACT_FROM_BYTES = 4096;

/**
 * What verifiers need of a large revocation: the compact form the revocation recorded (ranges
 * of key ordinals per principal, the scope it matched, a bitmap of ordinals or the ordinals
 * listed: see keys/compact-revocation.ts), otherwise (an entry from before ordinals) the
 * ids as one list. The stored entry keeps the
 * ids as an array for everyone else (webhooks, audit).
 */
function forVerifiers(type: string, stored: string): string {
  if (stored.length < COMPACT_FROM_BYTES) return stored;
  if (type === "key.revoked") {
    const data = JSON.parse(stored) as KeyRevokedWire;
    const count = data.ids?.length ?? 0;
    const compact = compactFormOf(data);
    if (compact)
      return JSON.stringify({ ...compact, count, reason: data.reason, cause: data.cause } satisfies KeyRevokedWire);
    // Key by key: the ids as one space-separated string, which a verifier parses as one
    // string and walks, instead of an array of 100,000 strings to allocate and collect.
    const ids = data.ids ?? [];
    if (!ids.every((id) => typeof id === "string" && !id.includes(" "))) return stored;
    const listed: KeyRevokedWire = { idList: ids.join(" "), count: ids.length, reason: data.reason, cause: data.cause };
    return JSON.stringify(listed);
  }
  if (type === "principal.disabled") {
    // Its keys were revoked by the `key.revoked` entry just before, principal-wide.
    const data = JSON.parse(stored) as { principalId?: unknown; revokedKeyIds?: unknown[] };
    return JSON.stringify({ principalId: data.principalId, revokedKeyCount: data.revokedKeyIds?.length ?? 0 });
  }
  return stored;
}

/** The one compact form a stored revocation recorded, cheapest for verifiers first (or none). */
function compactFormOf(data: CompactRevocationWire): CompactRevocationWire | null {
  if (data.runs !== undefined) return { runs: data.runs };
  if (data.scopeMatch !== undefined) return { scopeMatch: data.scopeMatch };
  if (data.ordinalBitmap !== undefined) return { ordinalBitmap: data.ordinalBitmap };
  if (data.ordinalDeltas !== undefined) return { ordinalDeltas: data.ordinalDeltas };
  return null;
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
  const beat: HeartbeatWire = { head, at };
  return frame("heartbeat", JSON.stringify(beat));
}
