/**
 * Executing a campaign, as named steps in one transaction: claim the draft, build the
 * replacements, store them (old keys deprecated for the grace window), distribute the new
 * secrets, record the change-log entries and the audit record. Any step that throws leaves
 * nothing written.
 */
import type { CampaignsTable } from "../db/schema.js";
import { runUnitOfWork, type UnitOfWork } from "../db/transaction.js";
import type { Actor } from "../domain/actor.js";
import { notFound } from "../errors.js";
import { rotatedEvents } from "../keys/index.js";
import { distributeSecrets, groupByOwner } from "./distribute.js";
import { isCampaignId } from "./ids.js";
import {
  type CampaignEnv,
  claimCampaign,
  type Distribution,
  type ExecuteInput,
  type ExecuteResult,
  loadCampaign,
} from "./model.js";
import { checkRecipients, type RecipientJwk } from "./recipients.js";
import { buildReplacements, type Replacement, storeReplacements } from "./replacements.js";
import { toCampaignView } from "./view.js";

/** Moves the draft to executed; answers the claimed row and the end of its grace window. */
async function claimDraft(unit: UnitOfWork, id: string, actor: Actor) {
  const draft = await loadCampaign(unit.trx, id);
  const graceUntil = unit.now + draft.grace_ms;
  const campaign = await claimCampaign(unit, id, "draft", "executed", {
    status: "executed",
    executed_at: unit.now,
    executed_by: actor.id,
    grace_until: graceUntil,
  });
  return { campaign, graceUntil };
}

interface ExecutionRecord {
  campaign: CampaignsTable;
  replacements: Replacement[];
  deprecated: Awaited<ReturnType<typeof storeReplacements>>;
  graceUntil: number;
  owners: number;
  recipients: Record<string, RecipientJwk>;
  distribution: Distribution;
  stepUp: { method: string; justification: string };
}

/**
 * The sequence counters are taken last (webhook queuing audits, then the change log): on
 * PostgreSQL their row locks serialise every writer until this commits, so they are held only
 * for the end of the transaction, not while keys are generated and encrypted.
 */
async function recordExecution(unit: UnitOfWork, actor: Actor, record: ExecutionRecord): Promise<ExecuteResult> {
  const { campaign, replacements, graceUntil, owners, distribution, stepUp } = record;
  const id = campaign.id;
  await unit.appendChanges(
    rotatedEvents(record.deprecated, new Map(replacements.map((r) => [r.row.id, r.row])), graceUntil),
  );
  const stored = { key_count: replacements.length, recipients: JSON.stringify(record.recipients) };
  await unit.trx.updateTable("campaigns").set(stored).where("id", "=", id).execute();
  const sequence = await unit.appendChange({
    type: "campaign.executed",
    data: { campaignId: id, keys: replacements.length, graceUntil, owners },
  });
  await unit.appendAudit({
    actor: actor.id,
    action: "campaign.executed",
    targetType: "campaign",
    targetId: id,
    reason: stepUp.justification,
    requestId: actor.requestId ?? null,
    data: {
      keys: replacements.length,
      owners,
      graceUntil,
      scopes: campaign.scopes === null ? null : (JSON.parse(campaign.scopes) as string[]),
      stepUp: { method: stepUp.method, justification: stepUp.justification },
      exports: distribution.exports,
      webhooks: distribution.webhooks,
      firstChangeSequence: sequence - replacements.length,
    },
  });
  return { campaign: toCampaignView({ ...campaign, ...stored }), sequence, distribution };
}

export async function executeCampaign(
  env: CampaignEnv,
  id: string,
  input: ExecuteInput,
  actor: Actor,
): Promise<ExecuteResult> {
  if (!isCampaignId(id)) throw notFound("campaign", id);
  const extraRecipients = await checkRecipients(input.exportRecipients);
  const stepUp = await env.deps.stepUp.require(actor, input.stepUp, "campaign.execute");
  return runUnitOfWork(env, async (unit) => {
    const { campaign, graceUntil } = await claimDraft(unit, id, actor);
    const recipients = {
      ...(JSON.parse(campaign.recipients) as Record<string, RecipientJwk>),
      ...extraRecipients,
    };
    const replacements = await buildReplacements(env, unit, campaign, actor);
    const deprecated = await storeReplacements(unit, id, replacements, graceUntil);
    const owners = groupByOwner(replacements);
    const distribution = await distributeSecrets(unit, env.deps.webhooks, id, owners, recipients);
    return recordExecution(unit, actor, {
      campaign,
      replacements,
      deprecated,
      graceUntil,
      owners: owners.length,
      recipients,
      distribution,
      stepUp,
    });
  });
}
