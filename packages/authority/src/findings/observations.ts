/**
 * What verifiers reported since the last detection pass, folded per key and, for refusals, per
 * network. Bounded: at most MAX_KEYS keys and MAX_VALUES values per key and dimension are held
 * between passes (a pass runs every second), the rest counted as dropped.
 */
import { VERIFY_FAILURES } from "@tessera/verifier/wire";
import { networkOf, type UsageEntry } from "../usage/index.js";

export const MAX_KEYS = 50_000;
export const MAX_VALUES = 50;

/** Refusals that say something about the caller: every failure but `stale` (a verifier's own state) and `missing`. */
const REFUSALS: ReadonlySet<string> = new Set(VERIFY_FAILURES.filter((r) => r !== "stale" && r !== "missing"));

export interface KeyObservation {
  ok: number;
  outcomes: Map<string, number>;
  networks: Map<string, number>;
  userAgents: Map<string, number>;
  addresses: Map<string, number>;
  routes: Map<string, number>;
  first: number;
  last: number;
}

export interface NetworkFailures {
  count: number;
  outcomes: Map<string, number>;
  addresses: Map<string, number>;
  keyIds: Map<string, number>;
}

function bump(map: Map<string, number>, value: string, count: number): void {
  if (!value) return;
  if (map.has(value) || map.size < MAX_VALUES) map.set(value, (map.get(value) ?? 0) + count);
}

export class Observations {
  readonly keys = new Map<string, KeyObservation>();
  readonly failures = new Map<string, NetworkFailures>();
  dropped = 0;

  add(entries: readonly UsageEntry[], now: number): void {
    for (const entry of entries) {
      const at = Math.min(entry.lastAt, now);
      const network = networkOf(entry.address) ?? "";
      if (REFUSALS.has(entry.outcome) && network) this.addFailure(entry, network);
      if (entry.kind !== "api_key" || !entry.keyId || entry.outcome === "canary") continue;
      let seen = this.keys.get(entry.keyId);
      if (!seen) {
        if (this.keys.size >= MAX_KEYS) {
          this.dropped += 1;
          continue;
        }
        seen = {
          ok: 0,
          outcomes: new Map(),
          networks: new Map(),
          userAgents: new Map(),
          addresses: new Map(),
          routes: new Map(),
          first: at,
          last: at,
        };
        this.keys.set(entry.keyId, seen);
      }
      if (entry.outcome === "ok") seen.ok += entry.count;
      bump(seen.outcomes, entry.outcome, entry.count);
      bump(seen.networks, network, entry.count);
      bump(seen.userAgents, entry.userAgent, entry.count);
      bump(seen.addresses, entry.address, entry.count);
      bump(seen.routes, entry.route, entry.count);
      seen.first = Math.min(seen.first, at);
      seen.last = Math.max(seen.last, at);
    }
  }

  private addFailure(entry: UsageEntry, network: string): void {
    let failures = this.failures.get(network);
    if (!failures) {
      if (this.failures.size >= MAX_KEYS) return;
      failures = { count: 0, outcomes: new Map(), addresses: new Map(), keyIds: new Map() };
      this.failures.set(network, failures);
    }
    failures.count += entry.count;
    bump(failures.outcomes, entry.outcome, entry.count);
    bump(failures.addresses, entry.address, entry.count);
    if (entry.keyId) bump(failures.keyIds, entry.keyId, entry.count);
  }
}

/** A map as evidence: its entries, most frequent first, as `{ value: count }`. */
export function top(map: ReadonlyMap<string, number>, n = 10): Record<string, number> {
  return Object.fromEntries([...map].sort((a, b) => b[1] - a[1]).slice(0, n));
}
