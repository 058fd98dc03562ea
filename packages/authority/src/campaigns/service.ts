/**
 * Emergency rotation campaigns: replace many credentials at once without an outage.
 *
 * create (draft) → dry run (blast radius, nothing written) → execute (replacements issued, old
 * keys deprecated for a grace window, new secrets handed to the owners' channels) → watch the
 * safe-to-retire signal → finalize (old keys revoked) or roll back (old keys restored,
 * replacements revoked). Each step is one transaction with its audit record and change-log
 * entries; a step that is not allowed in the campaign's state changes nothing.
 */

import type { ServiceContext } from "../context.js";
import { pageNewestFirst, pageSize } from "../db/pagination.js";
import type { ApiKeysTable, CampaignsTable } from "../db/schema.js";
import { runUnitOfWork, type UnitOfWork } from "../db/transaction.js";
import type { Actor } from "../domain/actor.js";
import { iso } from "../domain/keys.js";
import {
  adminScopesOf,
  assertMayIssueFor,
  assertNoAdminEscalation,
  isAdminScope,
  normalizeScopes,
} from "../domain/scopes.js";
import { formatDuration } from "../duration.js";
import { notFound, TesseraError, validationFailed } from "../errors.js";
import type { KeyService, UsageRecorder } from "../keys/index.js";
import {
  deprecateForRotation,
  insertKeyRows,
  restoreRotated,
  revokeKeysMatching,
  rolledBackEvents,
  rotatedEvents,
} from "../keys/index.js";
import type { SecretDistributor, StepUpGate, StepUpInput } from "./deps.js";
import { campaignIdNew, isCampaignId } from "./ids.js";
import {
  type CampaignKeyProgress,
  type CampaignProgress,
  campaignKeyProgress,
  campaignProgress,
  type KeyProgressFilter,
} from "./progress.js";
import { checkRecipients, type ExportedKey, encryptExport, type RecipientJwk } from "./recipients.js";
import {
  type BlastRadius,
  blastRadius,
  type CampaignSelector,
  checkSelector,
  type SelectedKey,
  selectCampaignKeys,
} from "./selection.js";
import { type CampaignView, selectorView, toCampaignView } from "./view.js";

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
  distribution: {
    /** Owners whose new secrets are in an export file, with the number of keys. */
    exports: { owner: string; keys: number }[];
    /** Secrets queued for webhook delivery and the endpoints they go to. */
    webhooks: { secrets: number; endpoints: number };
  };
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

/** Rows per multi-row insert of new keys (20 columns) and campaign keys (5 columns). */
const KEY_INSERT_BATCH = 400;
const MAX_DESCRIPTION = 1024;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function campaignStateError(row: CampaignsTable, step: string): TesseraError {
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

export function createCampaignService(ctx: ServiceContext, deps: CampaignDeps) {
  const { db, clock, config } = ctx;

  async function load(id: string, trx: UnitOfWork["trx"] | typeof db = db): Promise<CampaignsTable> {
    if (!isCampaignId(id)) throw notFound("campaign", id);
    const row = await trx.selectFrom("campaigns").selectAll().where("id", "=", id).executeTakeFirst();
    if (!row) throw notFound("campaign", id);
    return row;
  }

  function checkGrace(graceMs: number): number {
    if (!Number.isSafeInteger(graceMs) || graceMs <= 0) {
      throw validationFailed("grace must be a duration longer than zero: old keys need time to be replaced", {
        field: "grace",
      });
    }
    if (graceMs > config.rotationMaxGraceMs) {
      throw new TesseraError(
        "expiry_exceeds_policy",
        `a rotation grace window may last at most ${formatDuration(config.rotationMaxGraceMs)}`,
        { details: { maxGrace: formatDuration(config.rotationMaxGraceMs) } },
      );
    }
    return graceMs;
  }

  async function create(
    input: CreateCampaignInput,
    actor: Actor,
  ): Promise<{ campaign: CampaignView; sequence: number; selected: number }> {
    const selector = checkSelector(input.selector);
    const description = input.description.trim();
    if (description.length === 0 || description.length > MAX_DESCRIPTION) {
      throw validationFailed(`description is required (at most ${MAX_DESCRIPTION} characters)`, {
        field: "description",
      });
    }
    const scopes = input.scopes === undefined ? null : normalizeScopes(input.scopes);
    if (scopes !== null && scopes.length === 0) {
      throw validationFailed("scopes must name at least one scope (or be left out to keep them all)", {
        field: "scopes",
      });
    }
    const graceMs = checkGrace(input.graceMs ?? config.rotationGraceMs);
    if (input.expiresInMs !== undefined) deps.keys.expiryFor(0, input.expiresInMs);
    const recipients = await checkRecipients(input.exportRecipients);
    return runUnitOfWork(db, clock, async (unit) => {
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
        data: {
          selector: selectorView(selector),
          selected,
          scopes,
          graceMs,
          exportRecipients: Object.keys(recipients),
        },
      });
      return { campaign: toCampaignView(row), sequence, selected };
    });
  }

  async function list(options: { limit?: number; cursor?: string; status?: CampaignsTable["status"] }) {
    let query = db.selectFrom("campaigns").selectAll();
    if (options.status) query = query.where("status", "=", options.status);
    return pageNewestFirst(query, options, toCampaignView);
  }

  /** Last-used times recorded by this instance but not yet written count too. */
  async function freshUsage(): Promise<void> {
    await deps.usage.flush();
  }

  async function status(id: string): Promise<CampaignStatus> {
    await freshUsage();
    const row = await load(id);
    const now = clock.now();
    return {
      campaign: toCampaignView(row),
      progress:
        row.executed_at === null
          ? null
          : await campaignProgress(db, id, row.executed_at, now - config.campaignInUseWindowMs),
    };
  }

  async function keyProgress(
    id: string,
    options: { limit?: number; cursor?: string; filter?: KeyProgressFilter },
  ): Promise<{ items: CampaignKeyProgress[]; nextCursor: string | null }> {
    await freshUsage();
    const row = await load(id);
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
  async function dryRun(id: string): Promise<{
    campaign: CampaignView;
    blastRadius: BlastRadius;
    ownersWithoutRecipient: string[];
    graceUntil: string;
  }> {
    await freshUsage();
    const row = await load(id);
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

  /** Moves the campaign from `from` to `to` inside the unit, or explains why it cannot. */
  async function claim(
    unit: UnitOfWork,
    id: string,
    from: CampaignsTable["status"],
    step: string,
    set: Partial<CampaignsTable>,
  ): Promise<CampaignsTable> {
    const before = await load(id, unit.trx);
    // The conditional update is the lock: of two concurrent callers only one moves the row.
    const moved = await unit.trx
      .updateTable("campaigns")
      .set(set)
      .where("id", "=", id)
      .where("status", "=", from)
      .executeTakeFirst();
    if (Number(moved.numUpdatedRows) !== 1) throw campaignStateError(await load(id, unit.trx), step);
    return { ...before, ...set } as CampaignsTable;
  }

  async function execute(id: string, input: ExecuteInput, actor: Actor): Promise<ExecuteResult> {
    if (!isCampaignId(id)) throw notFound("campaign", id);
    const extraRecipients = await checkRecipients(input.exportRecipients);
    const stepUp = await deps.stepUp.require(actor, input.stepUp, "campaign.execute");
    return runUnitOfWork(db, clock, async (unit) => {
      const draft = await load(id, unit.trx);
      const graceUntil = unit.now + draft.grace_ms;
      const campaign = await claim(unit, id, "draft", "executed", {
        status: "executed",
        executed_at: unit.now,
        executed_by: actor.id,
        grace_until: graceUntil,
      });
      const recipients = {
        ...(JSON.parse(campaign.recipients) as Record<string, RecipientJwk>),
        ...extraRecipients,
      };
      const selected = await selectCampaignKeys(unit.trx, JSON.parse(campaign.selector) as CampaignSelector, unit.now);
      if (selected.length === 0) {
        throw new TesseraError("campaign_empty", "the selector no longer matches any active key: nothing was rotated");
      }
      const keep = campaign.scopes === null ? null : new Set(JSON.parse(campaign.scopes) as string[]);
      const creatorScopes = new Set(JSON.parse(campaign.created_scopes) as string[]);
      // Lifetime policy per replacement: by its scopes and its principal's kind (the tightest wins).
      const expiryOf = new Map<string, number>();
      const expiryFor = (scopes: string[], principalKind: SelectedKey["principal_kind"]) => {
        const policyKey = `${principalKind} ${scopes.join(" ")}`;
        let expiresAt = expiryOf.get(policyKey);
        if (expiresAt === undefined) {
          expiresAt = deps.keys.expiryFor(unit.now, campaign.expires_in_ms ?? undefined, { scopes, principalKind });
          expiryOf.set(policyKey, expiresAt);
        }
        return expiresAt;
      };

      // Pre-generate every replacement: same audience, metadata and description, same or fewer scopes.
      const replacements: { old: (typeof selected)[number]; row: ApiKeysTable; secret: string }[] = [];
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
        const { row, secret } = deps.keys.newKeyRow(unit.now, actor, {
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
      for (const batch of chunks(replacements, KEY_INSERT_BATCH)) {
        await insertKeyRows(
          unit.trx,
          batch.map((r) => r.row),
        );
        await unit.trx
          .insertInto("campaign_keys")
          .values(
            batch.map((r) => ({
              campaign_id: id,
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

      // Hand each owner's new secrets to its channels: an export file and/or webhooks. Export
      // files first for every owner (no sequence counter involved), webhooks after.
      const byOwner = new Map<string, typeof replacements>();
      for (const r of replacements) byOwner.set(r.old.owner, [...(byOwner.get(r.old.owner) ?? []), r]);
      const owners = [...byOwner].sort(([a], [b]) => (a < b ? -1 : 1));
      const exports: { owner: string; keys: number }[] = [];
      const delivered = new Set<string>();
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
        const jwe = await encryptExport({ campaignId: id, owner, createdAt: iso(unit.now) as string, keys }, recipient);
        await unit.trx
          .insertInto("campaign_exports")
          .values({
            campaign_id: id,
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
      let webhookSecrets = 0;
      let webhookEndpoints = 0;
      const adminHeld: string[] = [];
      for (const [owner, items] of deps.webhooks ? owners : []) {
        // A webhook endpoint is registered by whoever holds webhooks:write, who may not hold the
        // admin scopes of these keys: their secrets go only to an export file, encrypted to a
        // recipient named by the callers this execute checked.
        if (items.some((r) => (JSON.parse(r.row.scopes) as string[]).some(isAdminScope))) {
          if (!delivered.has(owner)) adminHeld.push(owner);
          continue;
        }
        let endpoints = 0;
        for (const r of items) {
          const queued = await deps.webhooks?.enqueueSecret(unit, {
            owner,
            keyId: r.row.id,
            secret: r.secret,
            campaignId: id,
          });
          // No endpoint for the first key means none for this owner's others: stop asking.
          if (!queued || queued.endpoints === 0) break;
          endpoints = Math.max(endpoints, queued.endpoints);
        }
        if (endpoints > 0) {
          webhookSecrets += items.length;
          webhookEndpoints += endpoints;
          delivered.add(owner);
        }
      }
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

      // The sequence counters are taken last (webhook queuing audits, then the change log): on
      // PostgreSQL their row locks serialise every writer until this commits, so they are held
      // only for the end of the transaction, not while keys are generated and encrypted.
      await unit.appendChanges(
        rotatedEvents(deprecated, new Map(replacements.map((r) => [r.row.id, r.row])), graceUntil),
      );
      const stored = { key_count: replacements.length, recipients: JSON.stringify(recipients) };
      await unit.trx.updateTable("campaigns").set(stored).where("id", "=", id).execute();
      const sequence = await unit.appendChange({
        type: "campaign.executed",
        data: { campaignId: id, keys: replacements.length, graceUntil, owners: byOwner.size },
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
          owners: byOwner.size,
          graceUntil,
          scopes: keep === null ? null : [...keep],
          stepUp: { method: stepUp.method, justification: stepUp.justification },
          exports,
          webhooks: { secrets: webhookSecrets, endpoints: webhookEndpoints },
          firstChangeSequence: sequence - replacements.length,
        },
      });
      return {
        campaign: toCampaignView({ ...campaign, ...stored }),
        sequence,
        distribution: { exports, webhooks: { secrets: webhookSecrets, endpoints: webhookEndpoints } },
      };
    });
  }

  async function finalize(id: string, input: FinishInput, actor: Actor): Promise<FinishResult> {
    if (!isCampaignId(id)) throw notFound("campaign", id);
    const stepUp = await deps.stepUp.require(actor, input.stepUp, "campaign.finalize");
    await freshUsage();
    return runUnitOfWork(db, clock, async (unit) => {
      const campaign = await claim(unit, id, "executed", "finalized", {
        status: "finalized",
        finished_at: unit.now,
        finished_by: actor.id,
        forced: input.force ? 1 : 0,
      });
      const progress = await campaignProgress(
        unit.trx,
        id,
        campaign.executed_at as number,
        unit.now - config.campaignInUseWindowMs,
      );
      if (progress.oldInUse > 0 && !input.force) {
        const sample = await campaignKeyProgress(unit.trx, id, {
          executedAt: campaign.executed_at as number,
          inUseSince: unit.now - config.campaignInUseWindowMs,
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

  async function rollback(id: string, input: FinishInput, actor: Actor): Promise<FinishResult> {
    if (!isCampaignId(id)) throw notFound("campaign", id);
    const reason = (input.reason ?? "").trim();
    if (reason.length === 0 || reason.length > MAX_DESCRIPTION) {
      throw validationFailed(`reason is required (at most ${MAX_DESCRIPTION} characters)`, { field: "reason" });
    }
    await freshUsage();
    return runUnitOfWork(db, clock, async (unit) => {
      const before = await load(id, unit.trx);
      if (before.status === "executed" && (before.grace_until as number) <= unit.now) {
        throw new TesseraError(
          "rotation_not_open",
          `the grace window of campaign ${id} closed at ${iso(before.grace_until)}: the old keys have expired, finalize instead`,
          { details: { graceUntil: iso(before.grace_until) } },
        );
      }
      const campaign = await claim(unit, id, "executed", "rolled back", {
        status: "rolled_back",
        finished_at: unit.now,
        finished_by: actor.id,
        forced: input.force ? 1 : 0,
      });
      const inUseSince = unit.now - config.campaignInUseWindowMs;
      const inUse = await unit.trx
        .selectFrom("campaign_keys as ck")
        .innerJoin("api_keys as n", "n.id", "ck.new_key_id")
        .select((eb) => eb.fn.countAll<string | number>().as("n"))
        .where("ck.campaign_id", "=", id)
        .where("n.status", "<>", "revoked")
        .where("n.last_used_at", ">=", inUseSince)
        .executeTakeFirstOrThrow();
      const replacementsInUse = Number(inUse.n);
      if (replacementsInUse > 0 && !input.force) {
        throw new TesseraError(
          "keys_in_use",
          `${replacementsInUse} replacement key(s) were used within the last ${formatDuration(config.campaignInUseWindowMs)}: rolling back would break consumers that already moved (force to roll back anyway)`,
          { details: { inUse: replacementsInUse } },
        );
      }
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

  /** Hands out an owner's export file, once: the stored ciphertext is erased as it is read. */
  async function takeExport(id: string, owner: string, actor: Actor): Promise<CampaignExport> {
    if (!isCampaignId(id)) throw notFound("campaign", id);
    return runUnitOfWork(db, clock, async (unit) => {
      const campaign = await load(id, unit.trx);
      if (campaign.status === "rolled_back") {
        throw new TesseraError(
          "campaign_state",
          `campaign ${id} was rolled back: its replacements are revoked and its export files erased`,
          { details: { status: campaign.status } },
        );
      }
      const row = await unit.trx
        .selectFrom("campaign_exports")
        .selectAll()
        .where("campaign_id", "=", id)
        .where("owner", "=", owner)
        .executeTakeFirst();
      if (!row) {
        throw new TesseraError("not_found", `campaign ${id} has no export for owner ${owner}`, {
          details: { owner },
        });
      }
      const taken = await unit.trx
        .updateTable("campaign_exports")
        .set({ jwe: null, consumed_at: unit.now, consumed_by: actor.id })
        .where("campaign_id", "=", id)
        .where("owner", "=", owner)
        .where("consumed_at", "is", null)
        .executeTakeFirst();
      if (Number(taken.numUpdatedRows) !== 1 || row.jwe === null) {
        throw new TesseraError(
          "export_consumed",
          `the export of campaign ${id} for owner ${owner} was already handed out${row.consumed_at ? ` at ${iso(row.consumed_at)}` : ""}`,
          { details: { owner, consumedAt: iso(row.consumed_at), consumedBy: row.consumed_by } },
        );
      }
      await unit.appendAudit({
        actor: actor.id,
        action: "campaign.export_taken",
        targetType: "campaign",
        targetId: id,
        requestId: actor.requestId ?? null,
        data: { owner, keys: Number(row.key_count) },
      });
      return { campaignId: id, owner, keys: Number(row.key_count), jwe: row.jwe };
    });
  }

  return { create, list, status, keyProgress, dryRun, execute, finalize, rollback, takeExport };
}

export type CampaignService = ReturnType<typeof createCampaignService>;
