/** Creating a campaign: a draft holding the selector, the scope filter, the grace and the recipients. */

import type { TesseraConfig } from "../config.js";
import type { CampaignsTable } from "../db/schema.js";
import { runUnitOfWork } from "../db/transaction.js";
import type { Actor } from "../domain/actor.js";
import { assertGraceWithinPolicy } from "../domain/lifetime-policy.js";
import { adminScopesOf, normalizeScopes } from "../domain/scopes.js";
import { TesseraError, validationFailed } from "../errors.js";
import { campaignIdNew } from "./ids.js";
import { type CampaignEnv, type CreateCampaignInput, MAX_DESCRIPTION } from "./model.js";
import { checkRecipients } from "./recipients.js";
import { checkSelector, selectCampaignKeys } from "./selection.js";
import { type CampaignView, selectorView, toCampaignView } from "./view.js";

function checkGrace(config: TesseraConfig, graceMs: number): number {
  if (!Number.isSafeInteger(graceMs) || graceMs <= 0) {
    throw validationFailed("grace must be a duration longer than zero: old keys need time to be replaced", {
      field: "grace",
    });
  }
  assertGraceWithinPolicy(graceMs, config.rotationMaxGraceMs);
  return graceMs;
}

function checkDescription(input: CreateCampaignInput): string {
  const description = input.description.trim();
  if (description.length === 0 || description.length > MAX_DESCRIPTION) {
    throw validationFailed(`description is required (at most ${MAX_DESCRIPTION} characters)`, {
      field: "description",
    });
  }
  return description;
}

function checkScopeFilter(input: CreateCampaignInput): string[] | null {
  const scopes = input.scopes === undefined ? null : normalizeScopes(input.scopes);
  if (scopes !== null && scopes.length === 0) {
    throw validationFailed("scopes must name at least one scope (or be left out to keep them all)", {
      field: "scopes",
    });
  }
  return scopes;
}

export async function createCampaign(
  env: CampaignEnv,
  input: CreateCampaignInput,
  actor: Actor,
): Promise<{ campaign: CampaignView; sequence: number; selected: number }> {
  const { db, clock, config, deps, commitListener } = env;
  const selector = checkSelector(input.selector);
  const description = checkDescription(input);
  const scopes = checkScopeFilter(input);
  const graceMs = checkGrace(config, input.graceMs ?? config.rotationGraceMs);
  if (input.expiresInMs !== undefined) deps.keys.expiryFor(0, input.expiresInMs);
  const recipients = await checkRecipients(input.exportRecipients);
  return runUnitOfWork({ db, clock, commitListener }, async (unit) => {
    const selected = (await selectCampaignKeys(unit.trx, selector, unit.now)).length;
    if (selected === 0) {
      throw new TesseraError("campaign_empty", "the selector matches no active key: there is nothing to rotate", {
        details: { selector: selectorView(selector) },
      });
    }
    const row: CampaignsTable = {
      id: campaignIdNew(),
      status: "draft",
      description,
      selector: JSON.stringify(selector),
      scopes: scopes === null ? null : JSON.stringify(scopes),
      grace_ms: graceMs,
      expires_in_ms: input.expiresInMs ?? null,
      recipients: JSON.stringify(recipients),
      created_at: unit.now,
      created_by: actor.id,
      // The creator chose the selection and the export recipients: execute checks the
      // replacements' admin scopes against these as well as against the executor's.
      created_scopes: JSON.stringify(adminScopesOf(actor.scopes)),
      executed_at: null,
      executed_by: null,
      grace_until: null,
      key_count: 0,
      finished_at: null,
      finished_by: null,
      forced: 0,
    };
    await unit.trx.insertInto("campaigns").values(row).execute();
    const sequence = await unit.appendChange({
      type: "campaign.created",
      data: { campaignId: row.id, selector: selectorView(selector), selected, graceMs },
    });
    await unit.appendAudit({
      actor: actor.id,
      action: "campaign.created",
      targetType: "campaign",
      targetId: row.id,
      reason: description,
      requestId: actor.requestId ?? null,
      data: { selector: selectorView(selector), selected, scopes, graceMs, exportRecipients: Object.keys(recipients) },
    });
    return { campaign: toCampaignView(row), sequence, selected };
  });
}
