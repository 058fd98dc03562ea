/** Finalizing an executed campaign: the old keys its replacements took over are revoked. */
import { runUnitOfWork, type UnitOfWork } from "../db/transaction.js";
import type { Actor } from "../domain/actor.js";
import { formatDuration } from "../duration.js";
import { notFound, TesseraError } from "../errors.js";
import { revokeKeysMatching } from "../keys/index.js";
import { isCampaignId } from "./ids.js";
import { type CampaignEnv, claimFinish, type FinishInput, type FinishResult, flushUsage } from "./model.js";
import { type CampaignProgress, campaignKeyProgress, campaignProgress } from "./progress.js";
import { toCampaignView } from "./view.js";

/** Refuses (unless forced) while old keys were used within the in-use window, naming a sample of them. */
async function assertOldKeysIdle(
  env: CampaignEnv,
  unit: UnitOfWork,
  id: string,
  executedAt: number,
  force: boolean,
): Promise<CampaignProgress> {
  const { config } = env;
  const inUseSince = unit.now - config.campaignInUseWindowMs;
  const progress = await campaignProgress(unit.trx, id, executedAt, inUseSince);
  if (progress.oldInUse > 0 && !force) {
    const sample = await campaignKeyProgress(unit.trx, id, {
      executedAt,
      inUseSince,
      now: unit.now,
      limit: 20,
      filter: "in_use",
    });
    throw new TesseraError(
      "keys_in_use",
      `${progress.oldInUse} old key(s) were used within the last ${formatDuration(config.campaignInUseWindowMs)}: finalizing now would break their consumers (force with a justification to finalize anyway)`,
      { details: { inUse: progress.oldInUse, sample: sample.items.map((k) => k.oldKeyId) } },
    );
  }
  return progress;
}

export async function finalizeCampaign(
  env: CampaignEnv,
  id: string,
  input: FinishInput,
  actor: Actor,
): Promise<FinishResult> {
  if (!isCampaignId(id)) throw notFound("campaign", id);
  const stepUp = await env.deps.stepUp.require(actor, input.stepUp, "campaign.finalize");
  await flushUsage(env);
  return runUnitOfWork(env, async (unit) => {
    const campaign = await claimFinish(unit, id, "finalized", actor.id, input.force);
    const progress = await assertOldKeysIdle(env, unit, id, campaign.executed_at as number, Boolean(input.force));
    // Old keys still replaced by this campaign's replacement: one whose rotation an operator
    // rolled back by hand (POST /v1/keys/{id}/rollback) was kept on purpose and stays.
    const revoked = await revokeKeysMatching(
      unit,
      (eb) =>
        eb.exists(
          eb
            .selectFrom("campaign_keys as ck")
            .select("ck.old_key_id")
            .where("ck.campaign_id", "=", id)
            .whereRef("ck.old_key_id", "=", "api_keys.id")
            .whereRef("ck.new_key_id", "=", "api_keys.replaced_by"),
        ),
      { actor: actor.id, reason: `campaign ${id} finalized: ${stepUp.justification}`, cause: "campaign.finalized" },
    );
    const sequence = await unit.appendChange({
      type: "campaign.finalized",
      data: { campaignId: id, revoked: revoked.ids.length, forced: Boolean(input.force) },
    });
    await unit.appendAudit({
      actor: actor.id,
      action: "campaign.finalized",
      targetType: "campaign",
      targetId: id,
      reason: stepUp.justification,
      requestId: actor.requestId ?? null,
      data: {
        revoked: revoked.ids.length,
        forced: Boolean(input.force),
        oldInUse: progress.oldInUse,
        safeToRetire: progress.safeToRetire,
        stepUp: { method: stepUp.method, justification: stepUp.justification },
        revocationSequence: revoked.sequence,
      },
    });
    return { campaign: toCampaignView(campaign), sequence, revoked: revoked.ids.length };
  });
}
