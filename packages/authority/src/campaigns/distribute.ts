/**
 * Handing each owner's new secrets to its channels: an export file and/or webhooks. Export files
 * first for every owner (no sequence counter involved), webhooks after; an owner no channel
 * serves stops the whole execution (nothing is written).
 */
import type { UnitOfWork } from "../db/transaction.js";
import { iso } from "../domain/keys.js";
import { isAdminScope } from "../domain/scopes.js";
import { TesseraError } from "../errors.js";
import type { SecretDistributor } from "./deps.js";
import type { Distribution } from "./model.js";
import { type ExportedKey, encryptExport, type RecipientJwk } from "./recipients.js";
import type { Replacement } from "./replacements.js";

/** Replacements grouped by owner, owners in a stable order. */
export type OwnerGroups = [owner: string, items: Replacement[]][];

export function groupByOwner(replacements: readonly Replacement[]): OwnerGroups {
  const byOwner = new Map<string, Replacement[]>();
  for (const r of replacements) byOwner.set(r.old.owner, [...(byOwner.get(r.old.owner) ?? []), r]);
  return [...byOwner].sort(([a], [b]) => (a < b ? -1 : 1));
}

async function writeExports(
  unit: UnitOfWork,
  campaignId: string,
  owners: OwnerGroups,
  recipients: Record<string, RecipientJwk>,
  delivered: Set<string>,
): Promise<Distribution["exports"]> {
  const exports: Distribution["exports"] = [];
  for (const [owner, items] of owners) {
    const recipient = recipients[owner];
    if (!recipient) continue;
    const keys: ExportedKey[] = items.map((r) => ({
      keyId: r.row.id,
      replaces: r.old.id,
      principalId: r.row.principal_id,
      start: r.row.start,
      secret: r.secret,
      expiresAt: iso(r.row.expires_at),
    }));
    const jwe = await encryptExport({ campaignId, owner, createdAt: iso(unit.now) as string, keys }, recipient);
    await unit.trx
      .insertInto("campaign_exports")
      .values({
        campaign_id: campaignId,
        owner,
        recipient_jwk: JSON.stringify(recipient),
        jwe,
        key_count: items.length,
        created_at: unit.now,
        consumed_at: null,
        consumed_by: null,
      })
      .execute();
    exports.push({ owner, keys: items.length });
    delivered.add(owner);
  }
  return exports;
}

/** Queues one owner's secrets for its endpoints; answers the number of endpoints (0: none). */
async function queueOwnerSecrets(
  unit: UnitOfWork,
  webhooks: SecretDistributor,
  campaignId: string,
  owner: string,
  items: readonly Replacement[],
): Promise<number> {
  let endpoints = 0;
  for (const r of items) {
    const queued = await webhooks.enqueueSecret(unit, { owner, keyId: r.row.id, secret: r.secret, campaignId });
    // No endpoint for the first key means none for this owner's others: stop asking.
    if (queued.endpoints === 0) break;
    endpoints = Math.max(endpoints, queued.endpoints);
  }
  return endpoints;
}

async function queueWebhookSecrets(
  unit: UnitOfWork,
  webhooks: SecretDistributor | undefined,
  campaignId: string,
  owners: OwnerGroups,
  delivered: Set<string>,
): Promise<{ sent: Distribution["webhooks"]; adminHeld: string[] }> {
  const sent = { secrets: 0, endpoints: 0 };
  const adminHeld: string[] = [];
  if (!webhooks) return { sent, adminHeld };
  for (const [owner, items] of owners) {
    // A webhook endpoint is registered by whoever holds webhooks:write, who may not hold the
    // admin scopes of these keys: their secrets go only to an export file, encrypted to a
    // recipient named by the callers this execute checked.
    if (items.some((r) => (JSON.parse(r.row.scopes) as string[]).some(isAdminScope))) {
      if (!delivered.has(owner)) adminHeld.push(owner);
      continue;
    }
    const endpoints = await queueOwnerSecrets(unit, webhooks, campaignId, owner, items);
    if (endpoints > 0) {
      sent.secrets += items.length;
      sent.endpoints += endpoints;
      delivered.add(owner);
    }
  }
  return { sent, adminHeld };
}

function assertEveryOwnerServed(owners: OwnerGroups, delivered: Set<string>, adminHeld: string[]): void {
  if (adminHeld.length > 0) {
    throw new TesseraError(
      "no_distribution_channel",
      `new secrets of keys holding admin scopes are never sent to webhooks: give an export recipient key (exportRecipients) for ${adminHeld.length} owner(s); nothing was done`,
      { details: { owners: adminHeld.slice(0, 100), adminScopes: true } },
    );
  }
  const undelivered = owners.map(([owner]) => owner).filter((owner) => !delivered.has(owner));
  if (undelivered.length > 0) {
    throw new TesseraError(
      "no_distribution_channel",
      `no channel would deliver the new secrets of ${undelivered.length} owner(s): give an export recipient key (exportRecipients) or register a webhook endpoint; nothing was done`,
      { details: { owners: undelivered.slice(0, 100) } },
    );
  }
}

export async function distributeSecrets(
  unit: UnitOfWork,
  webhooks: SecretDistributor | undefined,
  campaignId: string,
  owners: OwnerGroups,
  recipients: Record<string, RecipientJwk>,
): Promise<Distribution> {
  const delivered = new Set<string>();
  const exports = await writeExports(unit, campaignId, owners, recipients, delivered);
  const { sent, adminHeld } = await queueWebhookSecrets(unit, webhooks, campaignId, owners, delivered);
  assertEveryOwnerServed(owners, delivered, adminHeld);
  return { exports, webhooks: sent };
}
