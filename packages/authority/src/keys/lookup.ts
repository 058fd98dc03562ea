/**
 * Finds the key behind a presented token: checksum first (garbage never reaches the
 * database), then one indexed lookup by hash. Shared by admin authentication, introspection
 * and leak checks.
 */
import { hashToken, parseToken } from "@tessera/verifier";
import { CompiledQuery } from "kysely";
import type { ServiceContext } from "../context.js";
import { createCachedRead } from "../db/cached-read.js";
import type { ApiKeysTable, PrincipalStatus } from "../db/schema.js";
import { type KeyState, keyState } from "../domain/keys.js";

export type KeyLookup =
  | { found: true; key: ApiKeysTable; state: KeyState; principalStatus: PrincipalStatus; usable: boolean }
  | {
      found: false;
      reason: "malformed" | "unknown";
      /** Set when the token is a canary key: answered as unknown, its use to be reported. */
      canary?: { keyId: string };
    };

type LookupRow = ApiKeysTable & { principal_status: PrincipalStatus };

export function createKeyLookup(ctx: ServiceContext) {
  const acceptedPrefixes = new Set(ctx.config.acceptedKeyPrefixes);
  // This runs on every admin call and introspection: build and compile the query once and
  // reuse its SQL with each new hash, instead of paying the query builder on every request.
  const compiled = ctx.db
    .selectFrom("api_keys")
    .innerJoin("principals", "principals.id", "api_keys.principal_id")
    .selectAll("api_keys")
    .select("principals.status as principal_status")
    .where("api_keys.key_hash", "=", "")
    .compile();
  // Remembered until a change is heard (db/change-gate.ts): the state below is worked out
  // from the row and the clock on every call, so expiry needs no change to be heard.
  // The key row is split from its principal's status once per read, and frozen: callers share it.
  const rowByHash = createCachedRead(ctx.changeGate, async (hash: string) => {
    const result = await ctx.db.executeQuery<LookupRow>(CompiledQuery.raw(compiled.sql, [hash]));
    const row = result.rows[0];
    if (!row) return undefined;
    const { principal_status, ...key } = row;
    return { key: Object.freeze(key) as ApiKeysTable, principalStatus: principal_status };
  });

  return async function lookupKey(token: unknown): Promise<KeyLookup> {
    if (!parseToken(token, acceptedPrefixes)) return { found: false, reason: "malformed" };
    const found = await rowByHash.get(hashToken(token as string));
    if (!found) return { found: false, reason: "unknown" };
    const { key, principalStatus } = found;
    // A canary is unknown to every caller: only its use report names it.
    if (Number(key.canary) === 1) return { found: false, reason: "unknown", canary: { keyId: key.id } };
    const state = keyState(key, ctx.clock.now());
    const usable = (state === "active" || state === "deprecated") && principalStatus === "active";
    return { found: true, key, state, principalStatus, usable };
  };
}

export type LookupKey = ReturnType<typeof createKeyLookup>;
