/**
 * Canary keys presented to this verifier, on their way to the authority. `verify()` answers a
 * canary exactly as an unknown key and tells this tracker (key id and token). Middleware then
 * records the request's usage with the token it verified (`recordUsage(record, token)`): an
 * `unknown` outcome whose token is a pending canary becomes a `canary` entry carrying the key
 * id, the address, user agent and route, sent at once. A canary verified outside middleware
 * (a bare `verify()` call) is reported on the next turn of the event loop without them.
 *
 * Tokens are held only until then (one turn), at most {@link MAX_PENDING} of them, and never
 * leave the process: only the key id travels, and only in the report.
 * @module
 */
import type { UsageRecord } from "./usage.js";

/** Canaries waiting for their request's usage record; beyond this they are reported bare at once. */
const MAX_PENDING = 1000;

interface Pending {
  keyId: string;
  /** Verifications of this token not yet matched to a usage record. */
  count: number;
}

export function createCanaryTracker(report: (record: UsageRecord) => void) {
  const pending = new Map<string, Pending>();
  let scheduled = false;

  const bare = (keyId: string): UsageRecord => ({
    keyId,
    kind: "api_key",
    outcome: "canary",
    route: "",
    address: "",
    userAgent: "",
  });

  /** Whatever no usage record claimed in this turn is reported without request facts. */
  function drain(): void {
    scheduled = false;
    const left = [...pending.values()];
    pending.clear();
    for (const { keyId, count } of left) for (let i = 0; i < count; i++) report(bare(keyId));
  }

  /** `verify()` met the canary `keyId` presented as `token`. */
  function seen(keyId: string, token: string): void {
    const known = pending.get(token);
    if (known) known.count++;
    else if (pending.size >= MAX_PENDING) report(bare(keyId));
    else pending.set(token, { keyId, count: 1 });
    if (!scheduled) {
      scheduled = true;
      setImmediate(drain);
    }
  }

  /**
   * The usage record of a verification: a canary's becomes a `canary` entry with the key id
   * (returned), anything else is returned unchanged.
   */
  function classify(record: UsageRecord, token: string | undefined): UsageRecord {
    if (token === undefined || record.outcome !== "unknown" || pending.size === 0) return record;
    const hit = pending.get(token);
    if (hit === undefined) return record;
    if (--hit.count === 0) pending.delete(token);
    return { ...record, keyId: hit.keyId, kind: "api_key", outcome: "canary" };
  }

  return { seen, classify };
}

export type CanaryTracker = ReturnType<typeof createCanaryTracker>;
