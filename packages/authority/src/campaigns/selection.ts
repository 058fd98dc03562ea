/**
 * Which credentials a campaign covers: active, unexpired keys of active principals that match
 * its selector (the same filter as the inventory and revocation by selector), and the blast
 * radius of that selection for the dry run.
 */
import type { Kysely, Transaction } from "kysely";
import type { ApiKeysTable, PrincipalKind, Schema } from "../db/schema.js";
import { iso } from "../domain/keys.js";
import { TesseraError, validationFailed } from "../errors.js";
import { type KeySelector, keyFilterExpression, selectorIsEmpty } from "../keys/index.js";

/** What a campaign may select by. */
export type CampaignSelector = Pick<
  KeySelector,
  "principalId" | "owner" | "scope" | "createdBefore" | "createdAfter" | "all"
>;

/** Rows a breakdown lists at most; the totals always count everything. */
export const BREAKDOWN_LIMIT = 1000;

export function checkSelector(selector: CampaignSelector): CampaignSelector {
  const narrowing = { ...selector, all: undefined };
  if (selector.all === true && !selectorIsEmpty(narrowing)) {
    throw validationFailed("selector.all selects every key: it cannot be combined with other criteria", {
      field: "selector.all",
    });
  }
  if (selector.all === false) {
    throw validationFailed("selector.all must be true when given", { field: "selector.all" });
  }
  if (selectorIsEmpty(selector)) {
    throw new TesseraError(
      "selector_empty",
      "a campaign selector needs at least one of principalId, owner, scope, createdBefore, createdAfter, or all: true",
    );
  }
  if (
    selector.createdBefore !== undefined &&
    selector.createdAfter !== undefined &&
    selector.createdAfter >= selector.createdBefore
  ) {
    throw validationFailed("selector.createdAfter must be before selector.createdBefore", {
      field: "selector.createdAfter",
    });
  }
  return selector;
}

export type SelectedKey = ApiKeysTable & {
  owner: string;
  principal_name: string;
  principal_kind: PrincipalKind;
  /** JSON array: the scopes the key's principal is allowed. */
  principal_allowed_scopes: string;
};

/** The keys a campaign over `selector` would rotate now, oldest first. */
export async function selectCampaignKeys(
  db: Kysely<Schema> | Transaction<Schema>,
  selector: CampaignSelector,
  now: number,
): Promise<SelectedKey[]> {
  // Filter api_keys alone (the filter's column names are unqualified), then join the owners.
  const matching = db
    .selectFrom("api_keys")
    .selectAll()
    // Suspended keys (not "active") and canaries (decoys, never replaced) are not rotated.
    .where((eb) => keyFilterExpression(eb, { ...selector, state: "active", canary: false }, now))
    .as("k");
  return db
    .selectFrom(matching)
    .innerJoin("principals as p", "p.id", "k.principal_id")
    .selectAll("k")
    .select([
      "p.owner as owner",
      "p.name as principal_name",
      "p.kind as principal_kind",
      "p.allowed_scopes as principal_allowed_scopes",
    ])
    .where("p.status", "=", "active")
    .orderBy("k.created_at")
    .orderBy("k.id")
    .execute();
}

export interface BlastRadius {
  total: number;
  byOwner: { owner: string; keys: number }[];
  byPrincipal: { principalId: string; name: string; owner: string; keys: number }[];
  byScope: { scope: string; keys: number }[];
  /** Used within the in-use window: consumers that will need the new secret soon. */
  recentlyUsed: {
    keys: number;
    since: string;
    sample: { id: string; start: string; principalId: string; owner: string; lastUsedAt: string }[];
  };
  neverUsed: number;
  /** True when a breakdown lists only its first BREAKDOWN_LIMIT rows. */
  truncated: boolean;
}

function countBy<T>(items: readonly T[], keyOf: (item: T) => string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) for (const k of keyOf(item)) counts.set(k, (counts.get(k) ?? 0) + 1);
  return counts;
}

const byCountDesc = <T extends { keys: number }>(a: T & { k: string }, b: T & { k: string }) =>
  b.keys - a.keys || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0);

export function blastRadius(keys: readonly SelectedKey[], inUseSince: number): BlastRadius {
  const owners = [...countBy(keys, (k) => [k.owner])].map(([owner, n]) => ({ k: owner, owner, keys: n }));
  const names = new Map(keys.map((k) => [k.principal_id, { name: k.principal_name, owner: k.owner }]));
  const principals = [...countBy(keys, (k) => [k.principal_id])].map(([principalId, n]) => ({
    k: principalId,
    principalId,
    name: names.get(principalId)?.name ?? "",
    owner: names.get(principalId)?.owner ?? "",
    keys: n,
  }));
  const scopes = [...countBy(keys, (k) => JSON.parse(k.scopes) as string[])].map(([scope, n]) => ({
    k: scope,
    scope,
    keys: n,
  }));
  const recent = keys
    .filter((k) => k.last_used_at !== null && k.last_used_at >= inUseSince)
    .sort((a, b) => (b.last_used_at as number) - (a.last_used_at as number));
  const strip = <T extends { k: string }>(rows: T[]) =>
    rows
      .sort(byCountDesc as unknown as (a: T, b: T) => number)
      .slice(0, BREAKDOWN_LIMIT)
      .map(({ k: _k, ...rest }) => rest);
  return {
    total: keys.length,
    byOwner: strip(owners),
    byPrincipal: strip(principals),
    byScope: strip(scopes),
    recentlyUsed: {
      keys: recent.length,
      since: iso(inUseSince) as string,
      sample: recent.slice(0, 100).map((k) => ({
        id: k.id,
        start: k.start,
        principalId: k.principal_id,
        owner: k.owner,
        lastUsedAt: iso(k.last_used_at) as string,
      })),
    },
    neverUsed: keys.filter((k) => k.last_used_at === null).length,
    truncated: Math.max(owners.length, principals.length, scopes.length) > BREAKDOWN_LIMIT,
  };
}
