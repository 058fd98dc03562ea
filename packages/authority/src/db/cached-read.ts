/**
 * A database read remembered in memory until the change gate moves (see change-gate.ts): the hot
 * lookups (a presented API key by its hash, an access token's revocation state) answer from
 * memory while nothing has changed, and from the database otherwise. Only found rows are
 * remembered, so garbage and unknown tokens cannot fill memory, and a bounded count is kept.
 */
import type { ChangeGate } from "./change-gate.js";

export interface CachedRead<K, V> {
  get(key: K): Promise<V | undefined>;
}

// A hot set, not the whole store: a row is a few hundred bytes, so this stays near 10 MB.
const DEFAULT_LIMIT = 20_000;

export function createCachedRead<K, V>(
  gate: ChangeGate | undefined,
  read: (key: K) => Promise<V | undefined>,
  limit = DEFAULT_LIMIT,
): CachedRead<K, V> {
  if (!gate) return { get: read };
  const entries = new Map<K, V>();
  let entriesGeneration = gate.generation();
  return {
    async get(key: K): Promise<V | undefined> {
      const generation = gate.generation();
      if (generation !== entriesGeneration) {
        entries.clear();
        entriesGeneration = generation;
      }
      const remembered = entries.get(key);
      if (remembered !== undefined && gate.open()) return remembered;
      const value = await read(key);
      // A change heard while the read was under way may have come after it: keep nothing then.
      if (value !== undefined && gate.generation() === generation && entriesGeneration === generation && gate.open()) {
        if (entries.size >= limit) entries.delete(entries.keys().next().value as K);
        entries.set(key, value);
      }
      return value;
    },
  };
}
