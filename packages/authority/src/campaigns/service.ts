/**
 * Emergency rotation campaigns: replace many credentials at once without an outage.
 *
 * create (draft) → dry run (blast radius, nothing written) → execute (replacements issued, old
 * keys deprecated for a grace window, new secrets handed to the owners' channels) → watch the
 * safe-to-retire signal → finalize (old keys revoked) or roll back (old keys restored,
 * replacements revoked). Each step is one transaction with its audit record and change-log
 * entries; a step that is not allowed in the campaign's state changes nothing.
 *
 * Each operation lives in its own file as a function of the campaign's environment; this
 * factory only wires them.
 */

import type { ServiceContext } from "../context.js";
import type { CampaignsTable } from "../db/schema.js";
import type { Actor } from "../domain/actor.js";
import { createCampaign } from "./create.js";
import { executeCampaign } from "./execute.js";
import { takeCampaignExport } from "./export.js";
import { finalizeCampaign } from "./finalize.js";
import type {
  CampaignDeps,
  CampaignEnv,
  CampaignExport,
  CampaignStatus,
  CreateCampaignInput,
  ExecuteInput,
  ExecuteResult,
  FinishInput,
  FinishResult,
} from "./model.js";
import type { CampaignKeyProgress, KeyProgressFilter } from "./progress.js";
import { campaignKeysProgress, campaignStatus, dryRunCampaign, listCampaigns } from "./read.js";
import { rollbackCampaign } from "./rollback.js";

export type {
  CampaignDeps,
  CampaignExport,
  CampaignStatus,
  CreateCampaignInput,
  ExecuteInput,
  ExecuteResult,
  FinishInput,
  FinishResult,
} from "./model.js";

export function createCampaignService(ctx: ServiceContext, deps: CampaignDeps) {
  const env: CampaignEnv = { ...ctx, deps };
  return {
    create: (input: CreateCampaignInput, actor: Actor) => createCampaign(env, input, actor),
    list: (options: { limit?: number; cursor?: string; status?: CampaignsTable["status"] }) =>
      listCampaigns(env, options),
    status: (id: string): Promise<CampaignStatus> => campaignStatus(env, id),
    keyProgress: (
      id: string,
      options: { limit?: number; cursor?: string; filter?: KeyProgressFilter },
    ): Promise<{ items: CampaignKeyProgress[]; nextCursor: string | null }> => campaignKeysProgress(env, id, options),
    dryRun: (id: string) => dryRunCampaign(env, id),
    execute: (id: string, input: ExecuteInput, actor: Actor): Promise<ExecuteResult> =>
      executeCampaign(env, id, input, actor),
    finalize: (id: string, input: FinishInput, actor: Actor): Promise<FinishResult> =>
      finalizeCampaign(env, id, input, actor),
    rollback: (id: string, input: FinishInput, actor: Actor): Promise<FinishResult> =>
      rollbackCampaign(env, id, input, actor),
    takeExport: (id: string, owner: string, actor: Actor): Promise<CampaignExport> =>
      takeCampaignExport(env, id, owner, actor),
  };
}

export type CampaignService = ReturnType<typeof createCampaignService>;
