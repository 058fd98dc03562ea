/**
 * What the campaign operations share: their inputs and results (the service's public types),
 * the dependencies they are given, and the two row-level steps every operation starts with
 * (load a campaign, claim its next state).
 */

import type { ServiceContext } from "../context.js";
import type { CampaignsTable } from "../db/schema.js";
import type { UnitOfWork } from "../db/transaction.js";
import { notFound, TesseraError } from "../errors.js";
import type { KeyService, UsageRecorder } from "../keys/index.js";
import type { SecretDistributor, StepUpGate, StepUpInput } from "./deps.js";
import { isCampaignId } from "./ids.js";
import type { CampaignProgress } from "./progress.js";
import type { CampaignSelector } from "./selection.js";
import type { CampaignView } from "./view.js";

export interface CreateCampaignInput {
  selector: CampaignSelector;
  /** Why: kept in the audit trail. */
  description: string;
  /** Replacements keep only these of each old key's scopes (a narrower set); default all. */
  scopes?: string[];
  /** How long old keys keep working, deprecated, after execution. */
  graceMs?: number;
  /** Lifetime of the replacements; the policy default when absent. */
  expiresInMs?: number;
  /** Owner → public JWK (X25519 or P-256): that owner's new secrets go into an export file. */
  exportRecipients?: Record<string, unknown>;
}

export interface ExecuteInput {
  /** More (or replaced) export recipients, by owner. */
  exportRecipients?: Record<string, unknown>;
  stepUp?: StepUpInput;
}

export interface ExecuteResult {
  campaign: CampaignView;
  /** Change-log sequence of the `campaign.executed` entry: verifiers that reached it hold every replacement. */
  sequence: number;
  distribution: Distribution;
}

/** Where execute sent the new secrets. */
export interface Distribution {
  /** Owners whose new secrets are in an export file, with the number of keys. */
  exports: { owner: string; keys: number }[];
  /** Secrets queued for webhook delivery and the endpoints they go to. */
  webhooks: { secrets: number; endpoints: number };
}

export interface FinishInput {
  /** Finalize although old keys are still in use / roll back although replacements are. */
  force?: boolean;
  stepUp?: StepUpInput;
  reason?: string;
}

export interface FinishResult {
  campaign: CampaignView;
  sequence: number;
  /** Finalize: old keys revoked. Rollback: replacements revoked. */
  revoked: number;
  /** Rollback: old keys active again. */
  restored?: number;
}

export interface CampaignStatus {
  campaign: CampaignView;
  /** Null before execution. */
  progress: CampaignProgress | null;
}

export interface CampaignExport {
  campaignId: string;
  owner: string;
  keys: number;
  /** Compact JWE (ECDH-ES+A256KW, A256GCM) to the owner's public key. */
  jwe: string;
}

export interface CampaignDeps {
  keys: KeyService;
  usage: UsageRecorder;
  stepUp: StepUpGate;
  /** Webhook delivery of new secrets, when the authority has it. */
  webhooks?: SecretDistributor | undefined;
}

/** Everything a campaign operation is given: the service context and the campaign's deps. */
export interface CampaignEnv extends ServiceContext {
  deps: CampaignDeps;
}

export const MAX_DESCRIPTION = 1024;

export function campaignStateError(row: CampaignsTable, step: string): TesseraError {
  const why: Record<CampaignsTable["status"], string> = {
    draft: "it has not been executed",
    executed: "it has already been executed",
    finalized: "it has already been finalized",
    rolled_back: "it has already been rolled back",
  };
  return new TesseraError("campaign_state", `campaign ${row.id} cannot be ${step}: ${why[row.status]}`, {
    details: { status: row.status },
  });
}

export async function loadCampaign(trx: UnitOfWork["trx"] | ServiceContext["db"], id: string): Promise<CampaignsTable> {
  if (!isCampaignId(id)) throw notFound("campaign", id);
  const row = await trx.selectFrom("campaigns").selectAll().where("id", "=", id).executeTakeFirst();
  if (!row) throw notFound("campaign", id);
  return row;
}

/** Moves the campaign from `from` to `to` inside the unit, or explains why it cannot. */
export async function claimCampaign(
  unit: UnitOfWork,
  id: string,
  from: CampaignsTable["status"],
  step: string,
  set: Partial<CampaignsTable>,
): Promise<CampaignsTable> {
  const before = await loadCampaign(unit.trx, id);
  // The conditional update is the lock: of two concurrent callers only one moves the row.
  const moved = await unit.trx
    .updateTable("campaigns")
    .set(set)
    .where("id", "=", id)
    .where("status", "=", from)
    .executeTakeFirst();
  if (Number(moved.numUpdatedRows) !== 1) throw campaignStateError(await loadCampaign(unit.trx, id), step);
  return { ...before, ...set } as CampaignsTable;
}

/** Claims an executed campaign for its last step: finalized or rolled back, by `actorId`. */
export function claimFinish(
  unit: UnitOfWork,
  id: string,
  status: "finalized" | "rolled_back",
  actorId: string,
  force: boolean | undefined,
): Promise<CampaignsTable> {
  return claimCampaign(unit, id, "executed", status === "finalized" ? "finalized" : "rolled back", {
    status,
    finished_at: unit.now,
    finished_by: actorId,
    forced: force ? 1 : 0,
  });
}

/** Last-used times recorded by this instance but not yet written count too. */
export async function flushUsage(env: CampaignEnv): Promise<void> {
  await env.deps.usage.flush();
}
