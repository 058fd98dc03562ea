/**
 * The replacements of an executing campaign: built in memory (same audience, metadata and
 * description as each old key, same or fewer scopes), then stored with the campaign's key pairs
 * and the old keys deprecated for the grace window.
 */

import { chunks } from "../db/batches.js";
import type { ApiKeysTable, CampaignsTable } from "../db/schema.js";
import type { UnitOfWork } from "../db/transaction.js";
import type { Actor } from "../domain/actor.js";
import { assertMayIssueFor, assertNoAdminEscalation } from "../domain/scopes.js";
import { TesseraError, validationFailed } from "../errors.js";
import { deprecateForRotation, insertKeyRows } from "../keys/index.js";
import type { CampaignEnv } from "./model.js";
import { type CampaignSelector, type SelectedKey, selectCampaignKeys } from "./selection.js";

/** An old key with its replacement's row and secret (the secret lives only until distributed). */
export interface Replacement {
  old: SelectedKey;
  row: ApiKeysTable;
  secret: string;
}

/** Rows per multi-row insert of new keys (20 columns) and campaign keys (5 columns). */
const KEY_INSERT_BATCH = 400;

/** Lifetime policy per replacement: by its scopes and its principal's kind (the tightest wins), memoised. */
function expiryPolicy(env: CampaignEnv, now: number, campaign: CampaignsTable) {
  const expiryOf = new Map<string, number>();
  return (scopes: string[], principalKind: SelectedKey["principal_kind"]): number => {
    const policyKey = `${principalKind} ${scopes.join(" ")}`;
    let expiresAt = expiryOf.get(policyKey);
    if (expiresAt === undefined) {
      expiresAt = env.deps.keys.expiryFor(now, campaign.expires_in_ms ?? undefined, { scopes, principalKind });
      expiryOf.set(policyKey, expiresAt);
    }
    return expiresAt;
  };
}

/** The campaign's keys as selected now, each with a pre-generated replacement; writes nothing. */
export async function buildReplacements(
  env: CampaignEnv,
  unit: UnitOfWork,
  campaign: CampaignsTable,
  actor: Actor,
): Promise<Replacement[]> {
  const id = campaign.id;
  const selected = await selectCampaignKeys(unit.trx, JSON.parse(campaign.selector) as CampaignSelector, unit.now);
  if (selected.length === 0) {
    throw new TesseraError("campaign_empty", "the selector no longer matches any active key: nothing was rotated");
  }
  const keep = campaign.scopes === null ? null : new Set(JSON.parse(campaign.scopes) as string[]);
  const creatorScopes = new Set(JSON.parse(campaign.created_scopes) as string[]);
  const expiryFor = expiryPolicy(env, unit.now, campaign);
  const replacements: Replacement[] = [];
  const scopeless: string[] = [];
  for (const old of selected) {
    const oldScopes = JSON.parse(old.scopes) as string[];
    const scopes = keep === null ? oldScopes : oldScopes.filter((s) => keep.has(s));
    if (scopes.length === 0) {
      scopeless.push(old.id);
      continue;
    }
    assertNoAdminEscalation(
      scopes,
      creatorScopes,
      `campaign ${id} was created by a caller that does not hold admin scopes its replacements would`,
    );
    for (const caller of [actor.scopes, creatorScopes]) {
      assertMayIssueFor(old.principal_id, old.principal_allowed_scopes, scopes, caller);
    }
    const { row, secret } = env.deps.keys.newKeyRow(unit.now, actor, {
      principalId: old.principal_id,
      scopes,
      audience: old.audience,
      description: old.description,
      metadata: JSON.parse(old.metadata) as Record<string, unknown>,
      expiresAt: expiryFor(scopes, old.principal_kind),
      replaces: old.id,
    });
    replacements.push({ old, row, secret });
  }
  if (scopeless.length > 0) {
    throw validationFailed(
      `${scopeless.length} selected key(s) hold none of the campaign's scopes: their replacements would hold nothing`,
      { field: "scopes", keys: scopeless.length, sample: scopeless.slice(0, 20) },
    );
  }
  return replacements;
}

/** Inserts the replacements and the campaign's key pairs, and deprecates the old keys until `graceUntil`. */
export async function storeReplacements(
  unit: UnitOfWork,
  campaignId: string,
  replacements: readonly Replacement[],
  graceUntil: number,
) {
  for (const batch of chunks(replacements, KEY_INSERT_BATCH)) {
    await insertKeyRows(
      unit.trx,
      batch.map((r) => r.row),
    );
    await unit.trx
      .insertInto("campaign_keys")
      .values(
        batch.map((r) => ({
          campaign_id: campaignId,
          old_key_id: r.old.id,
          new_key_id: r.row.id,
          principal_id: r.old.principal_id,
          owner: r.old.owner,
        })),
      )
      .execute();
  }
  const deprecated = await deprecateForRotation(
    unit,
    replacements.map((r) => ({ oldId: r.old.id, newId: r.row.id })),
    graceUntil,
  );
  if (deprecated.length !== replacements.length) {
    throw new TesseraError(
      "conflict",
      "some selected keys changed while the campaign executed (revoked or rotated elsewhere): nothing was done, try again",
    );
  }
  return deprecated;
}
