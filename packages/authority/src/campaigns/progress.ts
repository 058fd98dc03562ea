/**
 * The safe-to-retire signal. For every credential of an executed campaign, from
 * `api_keys.last_used_at` (batched from introspection, admin authentication and verifier usage
 * reports) compared with the execution time and the in-use window:
 * - replacementUsed: the new key has been used at all;
 * - oldUsedSinceExecute: the old key was used after the campaign executed;
 * - oldInUse: the old key was used within the in-use window (finalize refuses while any is);
 * - safeToRetire: the old key is not in use, and either its consumer moved to the replacement
 *   or it has not been used since the campaign began (nobody depends on it).
 */
import { type ExpressionBuilder, type Kysely, sql, type Transaction } from "kysely";
import type { Schema } from "../db/schema.js";
import { iso, keyState } from "../domain/keys.js";
import { validationFailed } from "../errors.js";

export interface CampaignProgress {
  total: number;
  replacementUsed: number;
  oldUsedSinceExecute: number;
  oldInUse: number;
  safeToRetire: number;
  /** Old keys already revoked (by finalize, or one by one). */
  oldRevoked: number;
  /** Start of the in-use window the counts were computed with. */
  inUseSince: string;
}

export interface CampaignKeyProgress {
  oldKeyId: string;
  newKeyId: string;
  principalId: string;
  owner: string;
  oldState: string;
  newState: string;
  oldLastUsedAt: string | null;
  newLastUsedAt: string | null;
  replacementUsed: boolean;
  oldUsedSinceExecute: boolean;
  oldInUse: boolean;
  safeToRetire: boolean;
}

type Db = Kysely<Schema> | Transaction<Schema>;

function joined(db: Db, campaignId: string) {
  return db
    .selectFrom("campaign_keys as ck")
    .innerJoin("api_keys as o", "o.id", "ck.old_key_id")
    .innerJoin("api_keys as n", "n.id", "ck.new_key_id")
    .where("ck.campaign_id", "=", campaignId);
}

/** Counts for the whole campaign in one query. */
export async function campaignProgress(
  db: Db,
  campaignId: string,
  executedAt: number,
  inUseSince: number,
): Promise<CampaignProgress> {
  // coalesce: a never-used key compares as used at 0, so no condition is ever NULL.
  const oldUsedSince = sql`coalesce(o.last_used_at, 0) >= ${executedAt}`;
  // An old key counts as in use only while this campaign still holds it (not revoked, not
  // rolled back by hand): that is what finalize would revoke.
  const oldInUse = sql`(o.status <> 'revoked' and o.replaced_by = ck.new_key_id and coalesce(o.last_used_at, 0) >= ${inUseSince})`;
  const replacementUsed = sql`n.last_used_at is not null`;
  const count = (condition: ReturnType<typeof sql>) =>
    sql<string | number>`coalesce(sum(case when ${condition} then 1 else 0 end), 0)`;
  const row = await joined(db, campaignId)
    .select((eb) => [
      eb.fn.countAll<string | number>().as("total"),
      count(replacementUsed).as("replacement_used"),
      count(oldUsedSince).as("old_used_since"),
      count(oldInUse).as("old_in_use"),
      count(sql`not ${oldInUse} and (${replacementUsed} or not ${oldUsedSince})`).as("safe"),
      count(sql`o.status = 'revoked'`).as("old_revoked"),
    ])
    .executeTakeFirstOrThrow();
  return {
    total: Number(row.total),
    replacementUsed: Number(row.replacement_used),
    oldUsedSinceExecute: Number(row.old_used_since),
    oldInUse: Number(row.old_in_use),
    safeToRetire: Number(row.safe),
    oldRevoked: Number(row.old_revoked),
    inUseSince: iso(inUseSince) as string,
  };
}

export type KeyProgressFilter = "all" | "in_use" | "unsafe" | "replacement_unused";

type KeyStatus = Schema["api_keys"]["status"];

/** One joined row of a campaign key with its old and new key's state. */
interface KeyProgressRow {
  old_key_id: string;
  new_key_id: string;
  principal_id: string;
  owner: string;
  old_status: KeyStatus;
  old_expires_at: number | null;
  old_last_used_at: number | null;
  old_replaced_by: string | null;
  new_status: KeyStatus;
  new_expires_at: number | null;
  new_last_used_at: number | null;
}

function toKeyProgress(
  r: KeyProgressRow,
  at: { executedAt: number; inUseSince: number; now: number },
): CampaignKeyProgress {
  const replacementUsed = r.new_last_used_at !== null;
  const oldUsedSinceExecute = r.old_last_used_at !== null && r.old_last_used_at >= at.executedAt;
  const oldInUse =
    r.old_status !== "revoked" &&
    r.old_replaced_by === r.new_key_id &&
    r.old_last_used_at !== null &&
    r.old_last_used_at >= at.inUseSince;
  return {
    oldKeyId: r.old_key_id,
    newKeyId: r.new_key_id,
    principalId: r.principal_id,
    owner: r.owner,
    oldState: keyState({ status: r.old_status, expires_at: r.old_expires_at }, at.now),
    newState: keyState({ status: r.new_status, expires_at: r.new_expires_at }, at.now),
    oldLastUsedAt: iso(r.old_last_used_at),
    newLastUsedAt: iso(r.new_last_used_at),
    replacementUsed,
    oldUsedSinceExecute,
    oldInUse,
    safeToRetire: !oldInUse && (replacementUsed || !oldUsedSinceExecute),
  };
}

/** One page of per-credential progress, ordered by old key id; `cursor` is the last id seen. */
export async function campaignKeyProgress(
  db: Db,
  campaignId: string,
  options: {
    executedAt: number;
    inUseSince: number;
    now: number;
    limit: number;
    cursor?: string;
    filter?: KeyProgressFilter;
  },
): Promise<{ items: CampaignKeyProgress[]; nextCursor: string | null }> {
  const { executedAt, inUseSince, now, limit } = options;
  if (options.cursor !== undefined && !/^key_[0-9A-Za-z]{1,64}$/.test(options.cursor)) {
    throw validationFailed("cursor is not a cursor this API returned", { field: "cursor" });
  }
  let query = joined(db, campaignId).select([
    "ck.old_key_id",
    "ck.new_key_id",
    "ck.principal_id",
    "ck.owner",
    "o.status as old_status",
    "o.expires_at as old_expires_at",
    "o.last_used_at as old_last_used_at",
    "o.replaced_by as old_replaced_by",
    "n.status as new_status",
    "n.expires_at as new_expires_at",
    "n.last_used_at as new_last_used_at",
  ]);
  if (options.cursor !== undefined) query = query.where("ck.old_key_id", ">", options.cursor);
  const inUse = (eb: ExpressionBuilder<Schema & { o: Schema["api_keys"]; ck: Schema["campaign_keys"] }, "o" | "ck">) =>
    eb.and([
      eb("o.status", "<>", "revoked"),
      eb("o.replaced_by", "=", eb.ref("ck.new_key_id")),
      eb("o.last_used_at", ">=", inUseSince),
    ]);
  switch (options.filter) {
    case "in_use":
      query = query.where((eb) => inUse(eb as never));
      break;
    case "replacement_unused":
      query = query.where("n.last_used_at", "is", null);
      break;
    case "unsafe":
      query = query.where((eb) =>
        eb.or([inUse(eb as never), eb.and([eb("n.last_used_at", "is", null), eb("o.last_used_at", ">=", executedAt)])]),
      );
      break;
    default:
      break;
  }
  const rows = await query
    .orderBy("ck.old_key_id")
    .limit(limit + 1)
    .execute();
  const items = rows.slice(0, limit).map((row) => toKeyProgress(row, { executedAt, inUseSince, now }));
  const last = rows.length > limit ? items[items.length - 1] : undefined;
  return { items, nextCursor: last ? last.oldKeyId : null };
}
