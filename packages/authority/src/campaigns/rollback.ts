/**
 * Rolling back an executed campaign within its grace window: the replacements are revoked, the
 * old keys still deprecated by it come back, and the export files not yet taken are erased.
 */
import { runUnitOfWork, type UnitOfWork } from "../db/transaction.js";
import type { Actor } from "../domain/actor.js";
import { iso } from "../domain/keys.js";
import { assertNoAdminEscalation } from "../domain/scopes.js";
import { formatDuration } from "../duration.js";
import { notFound, TesseraError, validationFailed } from "../errors.js";
import { restoreRotated, revokeKeysMatching, rolledBackEvents } from "../keys/index.js";
import { isCampaignId } from "./ids.js";
import {
  type CampaignEnv,
  claimFinish,
  type FinishInput,
  type FinishResult,
  flushUsage,
  loadCampaign,
  MAX_DESCRIPTION,
} from "./model.js";
import { toCampaignView } from "./view.js";

function checkReason(input: FinishInput): string {
  const reason = (input.reason ?? "").trim();
  if (reason.length === 0 || reason.length > MAX_DESCRIPTION) {
    throw validationFailed(`reason is required (at most ${MAX_DESCRIPTION} characters)`, { field: "reason" });
  }
  return reason;
}

async function assertGraceOpen(unit: UnitOfWork, id: string): Promise<void> {
  const before = await loadCampaign(unit.trx, id);
  if (before.status === "executed" && (before.grace_until as number) <= unit.now) {
    throw new TesseraError(
      "rotation_not_open",
      `the grace window of campaign ${id} closed at ${iso(before.grace_until)}: the old keys have expired, finalize instead`,
      { details: { graceUntil: iso(before.grace_until) } },
    );
  }
}

/** Refuses (unless forced) while replacements were used within the in-use window; answers their count. */
async function assertReplacementsIdle(env: CampaignEnv, unit: UnitOfWork, id: string, force: boolean) {
  const window = env.config.campaignInUseWindowMs;
  const inUse = await unit.trx
    .selectFrom("campaign_keys as ck")
    .innerJoin("api_keys as n", "n.id", "ck.new_key_id")
    .select((eb) => eb.fn.countAll<string | number>().as("n"))
    .where("ck.campaign_id", "=", id)
    .where("n.status", "<>", "revoked")
    .where("n.last_used_at", ">=", unit.now - window)
    .executeTakeFirstOrThrow();
  const replacementsInUse = Number(inUse.n);
  if (replacementsInUse > 0 && !force) {
    throw new TesseraError(
      "keys_in_use",
      `${replacementsInUse} replacement key(s) were used within the last ${formatDuration(window)}: rolling back would break consumers that already moved (force to roll back anyway)`,
      { details: { inUse: replacementsInUse } },
    );
  }
  return replacementsInUse;
}

/** Revokes the replacements and restores the old keys still deprecated by this campaign. */
async function swapBack(unit: UnitOfWork, id: string, reason: string, actor: Actor) {
  const pairs = await unit.trx
    .selectFrom("campaign_keys")
    .select(["old_key_id", "new_key_id"])
    .where("campaign_id", "=", id)
    .execute();
  const replacementOf = new Map(pairs.map((p) => [p.old_key_id, p.new_key_id]));
  const revoked = await revokeKeysMatching(
    unit,
    (eb) => eb("id", "in", eb.selectFrom("campaign_keys").select("new_key_id").where("campaign_id", "=", id)),
    { actor: actor.id, reason: `campaign ${id} rolled back: ${reason}`, cause: "campaign.rolled_back" },
  );
  // Only old keys still deprecated by this campaign come back (one revoked meanwhile stays revoked).
  const restorable = pairs.map((p) => p.old_key_id);
  const restored = (await restoreRotated(unit, restorable)).filter((row) => replacementOf.has(row.id));
  assertNoAdminEscalation(
    restored.flatMap((row) => JSON.parse(row.scopes) as string[]),
    actor.scopes,
    "you cannot bring back keys holding admin scopes you do not hold",
  );
  await unit.appendChanges(rolledBackEvents(restored, replacementOf));
  return { revoked, restored };
}

export async function rollbackCampaign(
  env: CampaignEnv,
  id: string,
  input: FinishInput,
  actor: Actor,
): Promise<FinishResult> {
  if (!isCampaignId(id)) throw notFound("campaign", id);
  const reason = checkReason(input);
  await flushUsage(env);
  return runUnitOfWork(env, async (unit) => {
    await assertGraceOpen(unit, id);
    const campaign = await claimFinish(unit, id, "rolled_back", actor.id, input.force);
    const replacementsInUse = await assertReplacementsIdle(env, unit, id, Boolean(input.force));
    const { revoked, restored } = await swapBack(unit, id, reason, actor);
    // The export files hold secrets of keys now revoked: erase what was not taken.
    await unit.trx
      .updateTable("campaign_exports")
      .set({ jwe: null })
      .where("campaign_id", "=", id)
      .where("jwe", "is not", null)
      .execute();
    const sequence = await unit.appendChange({
      type: "campaign.rolled_back",
      data: { campaignId: id, restored: restored.length, revoked: revoked.ids.length, forced: Boolean(input.force) },
    });
    await unit.appendAudit({
      actor: actor.id,
      action: "campaign.rolled_back",
      targetType: "campaign",
      targetId: id,
      reason,
      requestId: actor.requestId ?? null,
      data: {
        restored: restored.length,
        revoked: revoked.ids.length,
        replacementsInUse,
        forced: Boolean(input.force),
        revocationSequence: revoked.sequence,
      },
    });
    return { campaign: toCampaignView(campaign), sequence, revoked: revoked.ids.length, restored: restored.length };
  });
}
