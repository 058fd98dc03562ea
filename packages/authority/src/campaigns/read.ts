/** Reading campaigns: the list, a campaign's status and per-key progress, and the dry run. */

import { pageNewestFirst, pageSize } from "../db/pagination.js";
import type { CampaignsTable } from "../db/schema.js";
import { iso } from "../domain/keys.js";
import { type CampaignEnv, type CampaignStatus, campaignStateError, flushUsage, loadCampaign } from "./model.js";
import { type CampaignKeyProgress, campaignKeyProgress, campaignProgress, type KeyProgressFilter } from "./progress.js";
import { type BlastRadius, blastRadius, type CampaignSelector, selectCampaignKeys } from "./selection.js";
import { type CampaignView, toCampaignView } from "./view.js";

export async function listCampaigns(
  env: CampaignEnv,
  options: { limit?: number; cursor?: string; status?: CampaignsTable["status"] },
) {
  let query = env.db.selectFrom("campaigns").selectAll();
  if (options.status) query = query.where("status", "=", options.status);
  return pageNewestFirst(query, options, toCampaignView);
}

export async function campaignStatus(env: CampaignEnv, id: string): Promise<CampaignStatus> {
  const { db, clock, config } = env;
  await flushUsage(env);
  const row = await loadCampaign(db, id);
  const now = clock.now();
  return {
    campaign: toCampaignView(row),
    progress:
      row.executed_at === null
        ? null
        : await campaignProgress(db, id, row.executed_at, now - config.campaignInUseWindowMs),
  };
}

export async function campaignKeysProgress(
  env: CampaignEnv,
  id: string,
  options: { limit?: number; cursor?: string; filter?: KeyProgressFilter },
): Promise<{ items: CampaignKeyProgress[]; nextCursor: string | null }> {
  const { db, clock, config } = env;
  await flushUsage(env);
  const row = await loadCampaign(db, id);
  if (row.executed_at === null) return { items: [], nextCursor: null };
  const now = clock.now();
  return campaignKeyProgress(db, id, {
    executedAt: row.executed_at,
    inUseSince: now - config.campaignInUseWindowMs,
    now,
    limit: pageSize(options.limit),
    ...(options.cursor !== undefined ? { cursor: options.cursor } : {}),
    ...(options.filter !== undefined ? { filter: options.filter } : {}),
  });
}

/** The blast radius of executing the campaign now. Writes nothing. */
export async function dryRunCampaign(
  env: CampaignEnv,
  id: string,
): Promise<{
  campaign: CampaignView;
  blastRadius: BlastRadius;
  ownersWithoutRecipient: string[];
  graceUntil: string;
}> {
  const { db, clock, config } = env;
  await flushUsage(env);
  const row = await loadCampaign(db, id);
  if (row.status !== "draft") throw campaignStateError(row, "dry-run");
  const now = clock.now();
  const keys = await selectCampaignKeys(db, JSON.parse(row.selector) as CampaignSelector, now);
  const radius = blastRadius(keys, now - config.campaignInUseWindowMs);
  const recipients = JSON.parse(row.recipients) as Record<string, unknown>;
  return {
    campaign: toCampaignView(row),
    blastRadius: radius,
    ownersWithoutRecipient: [...new Set(keys.map((k) => k.owner))].filter((o) => !(o in recipients)).sort(),
    graceUntil: iso(now + row.grace_ms) as string,
  };
}
