/**
 * The outbox: events become `webhook_deliveries` rows in a transaction, so nothing is lost.
 *
 * Change-log events: the dispatcher tails the change log (gap-free, committed in order) from a
 * cursor kept in the database, and inserts the deliveries of a batch of entries in the same
 * transaction that moves the cursor past them. On PostgreSQL the cursor row is claimed with
 * `FOR UPDATE SKIP LOCKED`, so with several instances exactly one tails at a time and the others
 * skip; on SQLite the database has one writer. Either way every entry is turned into
 * deliveries exactly once, and a crash before commit leaves the cursor where it was.
 *
 * Distributed secrets are inserted by `enqueueSecret` inside the caller's own transaction.
 */
import type { Kysely, Transaction } from "kysely";
import type { MasterKey } from "../crypto/master-key.js";
import { chunks, readInChunks } from "../db/batches.js";
import { isPostgres, takeSqliteWriteLock } from "../db/dialect.js";
import type { Schema, WebhookDeliveriesTable, WebhookEndpointsTable } from "../db/schema.js";
import type { UnitOfWork } from "../db/transaction.js";
import { validationFailed } from "../errors.js";
import { SECRET_EVENT_TYPE, subscribes } from "./events.js";
import { deliverySecretContext, newDeliveryId, newEventId } from "./ids.js";
import { type ChangeRow, type DraftEvent, keyIdsToResolve, mapChange } from "./mapping.js";

export const CURSOR_NAME = "change_log";
const IN_CHUNK = 500;
const INSERT_CHUNK = 200;

/** Reads the cursor and locks its row (PostgreSQL), so endpoint creation and tailing serialise. */
export async function lockCursor(trx: Transaction<Schema>, skipLocked: boolean): Promise<number | null> {
  let query = trx.selectFrom("webhook_cursor").select("seq").where("name", "=", CURSOR_NAME);
  if (isPostgres(trx)) query = skipLocked ? query.forUpdate().skipLocked() : query.forUpdate();
  else await takeSqliteWriteLock(trx);
  const row = await query.executeTakeFirst();
  return row ? Number(row.seq) : null;
}

async function insertDeliveries(trx: Transaction<Schema>, rows: WebhookDeliveriesTable[]): Promise<void> {
  for (const batch of chunks(rows, INSERT_CHUNK)) await trx.insertInto("webhook_deliveries").values(batch).execute();
}

export function newDeliveryRow(
  endpointId: string,
  event: { id: string; type: string; at: number; seq: number | null; data: Record<string, unknown> },
  now: number,
  id = newDeliveryId(),
  secretEnc: string | null = null,
): WebhookDeliveriesTable {
  return {
    id,
    endpoint_id: endpointId,
    event_id: event.id,
    event_type: event.type,
    event_at: event.at,
    change_seq: event.seq,
    data: JSON.stringify(event.data),
    secret_enc: secretEnc,
    status: "pending",
    attempts: 0,
    next_attempt_at: now,
    lease_id: null,
    last_attempt_at: null,
    last_status_code: null,
    last_error: null,
    delivered_at: null,
    created_at: now,
  };
}

export interface TailResult {
  /** False when another instance holds the cursor (it is doing this work). */
  claimed: boolean;
  /** Change-log entries read. */
  entries: number;
  deliveries: number;
  /** True when more entries may be waiting. */
  more: boolean;
}

type Endpoint = Pick<WebhookEndpointsTable, "id" | "owner" | "events" | "from_seq">;

/** Turns the next batch of change-log entries into deliveries and moves the cursor past them. */
export async function tailChangeLog(db: Kysely<Schema>, now: () => number, batchSize: number): Promise<TailResult> {
  // Idle polls stay read-only: no lock, no write (on SQLite a write would cost an fsync).
  const [cursorRow, headRow] = await Promise.all([
    db.selectFrom("webhook_cursor").select("seq").where("name", "=", CURSOR_NAME).executeTakeFirst(),
    db.selectFrom("sequences").select("value").where("name", "=", "change").executeTakeFirst(),
  ]);
  if (cursorRow && Number(cursorRow.seq) >= Number(headRow?.value ?? 0)) {
    return { claimed: true, entries: 0, deliveries: 0, more: false };
  }
  return db.transaction().execute(async (trx) => {
    const cursor = await lockCursor(trx, true);
    if (cursor === null) return { claimed: false, entries: 0, deliveries: 0, more: false };
    const endpoints = (await trx
      .selectFrom("webhook_endpoints")
      .select(["id", "owner", "events", "from_seq"])
      .where("status", "=", "active")
      .execute()) as Endpoint[];
    if (endpoints.length === 0) {
      // Nobody listens: skip to the head (every entry up to the committed counter is committed).
      const head = await trx.selectFrom("sequences").select("value").where("name", "=", "change").executeTakeFirst();
      const to = Math.max(cursor, Number(head?.value ?? 0));
      if (to !== cursor) {
        await trx.updateTable("webhook_cursor").set({ seq: to }).where("name", "=", CURSOR_NAME).execute();
      }
      return { claimed: true, entries: to - cursor, deliveries: 0, more: false };
    }
    const rows = (await trx
      .selectFrom("change_log")
      .selectAll()
      .where("seq", ">", cursor)
      .orderBy("seq")
      .limit(batchSize)
      .execute()) as ChangeRow[];
    if (rows.length === 0) return { claimed: true, entries: 0, deliveries: 0, more: false };

    const subscribed = endpoints.map((e) => ({ ...e, patterns: JSON.parse(e.events) as string[] }));
    const relevant = rows.filter((row) => subscribed.some((e) => subscribes(e.patterns, row.type)));
    const principalOf = await resolveKeyPrincipals(trx, relevant);
    const drafts = relevant.flatMap((row) => mapChange(row, principalOf));
    const ownerOf = await resolveOwners(
      trx,
      drafts.flatMap((d) => d.principalIds),
    );
    const campaignOwners = await resolveCampaignOwners(trx, drafts);
    const t = now();
    const deliveries: WebhookDeliveriesTable[] = [];
    for (const draft of drafts) {
      const owners = eventOwners(draft, ownerOf, campaignOwners);
      const event = { id: newEventId(), type: draft.type, at: draft.at, seq: draft.seq, data: draft.data };
      for (const endpoint of subscribed) {
        if (draft.seq <= Number(endpoint.from_seq)) continue;
        if (!subscribes(endpoint.patterns, draft.type)) continue;
        if (endpoint.owner !== null && !owners.has(endpoint.owner)) continue;
        deliveries.push(newDeliveryRow(endpoint.id, event, t));
      }
    }
    await insertDeliveries(trx, deliveries);
    const last = rows[rows.length - 1] as ChangeRow;
    await trx.updateTable("webhook_cursor").set({ seq: last.seq }).where("name", "=", CURSOR_NAME).execute();
    return { claimed: true, entries: rows.length, deliveries: deliveries.length, more: rows.length === batchSize };
  });
}

function eventOwners(
  draft: DraftEvent,
  ownerOf: ReadonlyMap<string, string>,
  campaignOwners: ReadonlyMap<string, string[]>,
): Set<string> {
  const owners = new Set(draft.owners);
  const campaignId = campaignIdOf(draft);
  for (const owner of campaignId === null ? [] : (campaignOwners.get(campaignId) ?? [])) owners.add(owner);
  for (const principalId of draft.principalIds) {
    const owner = ownerOf.get(principalId);
    if (owner !== undefined) owners.add(owner);
  }
  return owners;
}

async function resolveKeyPrincipals(trx: Transaction<Schema>, rows: ChangeRow[]): Promise<Map<string, string>> {
  const ids = [...new Set(rows.flatMap(keyIdsToResolve))];
  const found = await readInChunks(ids, IN_CHUNK, (chunk) =>
    trx.selectFrom("api_keys").select(["id", "principal_id"]).where("id", "in", chunk).execute(),
  );
  return new Map(found.map((r) => [r.id, r.principal_id]));
}

/**
 * The campaign an executed campaign's event is about, or null for other events. Not
 * `campaign.created`: the keys are chosen at execution, so whether an owner received it would
 * depend on when the tail ran.
 */
function campaignIdOf(draft: DraftEvent): string | null {
  const id = draft.data.campaignId;
  const afterExecution = draft.type.startsWith("campaign.") && draft.type !== "campaign.created";
  return afterExecution && typeof id === "string" ? id : null;
}

/**
 * The owners of the keys a campaign rotated, from its key pairs (recorded at execution): they
 * receive its events from execution on (`campaign.created` goes only to endpoints without an owner).
 */
async function resolveCampaignOwners(trx: Transaction<Schema>, drafts: DraftEvent[]): Promise<Map<string, string[]>> {
  const ids = [...new Set(drafts.map(campaignIdOf).filter((id): id is string => id !== null))];
  const found = await readInChunks(ids, IN_CHUNK, (chunk) =>
    trx
      .selectFrom("campaign_keys")
      .select(["campaign_id", "owner"])
      .distinct()
      .where("campaign_id", "in", chunk)
      .execute(),
  );
  const owners = new Map<string, string[]>();
  for (const row of found) owners.set(row.campaign_id, [...(owners.get(row.campaign_id) ?? []), row.owner]);
  return owners;
}

async function resolveOwners(trx: Transaction<Schema>, principalIds: string[]): Promise<Map<string, string>> {
  const ids = [...new Set(principalIds)];
  const found = await readInChunks(ids, IN_CHUNK, (chunk) =>
    trx.selectFrom("principals").select(["id", "owner"]).where("id", "in", chunk).execute(),
  );
  return new Map(found.map((r) => [r.id, r.owner]));
}

export interface SecretDistribution {
  /** The owner whose endpoints receive the secret (endpoints created with this `owner`). */
  owner: string;
  keyId: string;
  /** The new secret: encrypted at rest until delivered, then erased. */
  secret: string;
  campaignId: string;
}

export interface SecretEnqueued {
  /** How many endpoints will receive it: 0 means the owner has no channel, for the caller to report. */
  endpoints: number;
  eventId: string | null;
  deliveryIds: string[];
}

/**
 * Queues a new secret for the owner's endpoints subscribed to `key.secret_distributed`, inside
 * the caller's transaction (so it is queued if and only if the caller's change commits).
 */
export async function enqueueSecret(
  unit: UnitOfWork,
  masterKey: MasterKey,
  input: SecretDistribution,
): Promise<SecretEnqueued> {
  if (typeof input.secret !== "string" || input.secret.length === 0 || input.secret.length > 4096) {
    throw validationFailed("secret must be a non-empty string", { field: "secret" });
  }
  if (input.owner.length === 0) throw validationFailed("owner must not be empty", { field: "owner" });
  const endpoints = (
    await unit.trx
      .selectFrom("webhook_endpoints")
      .select(["id", "events"])
      .where("status", "=", "active")
      .where("owner", "=", input.owner)
      .orderBy("id")
      .execute()
  ).filter((e) => subscribes(JSON.parse(e.events) as string[], SECRET_EVENT_TYPE));
  if (endpoints.length === 0) return { endpoints: 0, eventId: null, deliveryIds: [] };
  const event = {
    id: newEventId(),
    type: SECRET_EVENT_TYPE,
    at: unit.now,
    seq: null,
    data: { keyId: input.keyId, campaignId: input.campaignId },
  };
  const rows = endpoints.map((endpoint) => {
    const id = newDeliveryId();
    const sealed = masterKey.encrypt(Buffer.from(input.secret, "utf8"), deliverySecretContext(id));
    return newDeliveryRow(endpoint.id, event, unit.now, id, sealed);
  });
  await insertDeliveries(unit.trx, rows);
  await unit.appendAudit({
    actor: "system:webhooks",
    action: "webhook.secret_queued",
    targetType: "key",
    targetId: input.keyId,
    data: {
      campaignId: input.campaignId,
      owner: input.owner,
      eventId: event.id,
      endpointIds: endpoints.map((e) => e.id),
      deliveryIds: rows.map((r) => r.id),
    },
  });
  return { endpoints: rows.length, eventId: event.id, deliveryIds: rows.map((r) => r.id) };
}
