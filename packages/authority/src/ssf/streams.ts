/**
 * SSF stream configurations (SSF 1.0 section 8.1.1): create, read, update, replace, delete,
 * status and subjects, each in one transaction with its audit record.
 */

import type { ServiceContext } from "../context.js";
import type { SsfStreamsTable } from "../db/schema-ssf.js";
import { runUnitOfWork } from "../db/transaction.js";
import type { Actor } from "../domain/actor.js";
import { parseAllowList } from "../domain/address-policy.js";
import { notFound, validationFailed } from "../errors.js";
import { newId } from "../ids.js";
import { validateWebhookUrl } from "../webhooks/index.js";
import { DELIVERY_METHODS, POLL, PUSH, SUPPORTED_EVENTS } from "./events.js";
import { type Subject, subjectKey } from "./mapping.js";

export interface StreamInput {
  delivery?: { method?: string; endpoint_url?: string; authorization_header?: string };
  events_requested?: string[];
  description?: string;
  aud?: string | string[];
  /** Tessera's extension: `RS256` for receivers that cannot verify EdDSA (the default). */
  signing_alg?: string;
}

export type StreamStatus = SsfStreamsTable["status"];

export interface StreamView {
  stream_id: string;
  iss: string;
  aud: string | string[];
  events_supported: readonly string[];
  events_requested: string[];
  events_delivered: string[];
  delivery: { method: string; endpoint_url: string };
  description?: string;
  min_verification_interval: number;
  signing_alg: string;
}

const authContext = (id: string) => `ssf-stream-auth:${id}`;

export function toStreamView(row: SsfStreamsTable, issuer: string): StreamView {
  const aud = JSON.parse(row.audience) as string[];
  return {
    stream_id: row.id,
    iss: issuer,
    aud: aud.length === 1 ? (aud[0] as string) : aud,
    events_supported: SUPPORTED_EVENTS,
    events_requested: JSON.parse(row.events_requested),
    events_delivered: JSON.parse(row.events_delivered),
    delivery: { method: row.delivery_method, endpoint_url: row.endpoint_url ?? "" },
    ...(row.description ? { description: row.description } : {}),
    min_verification_interval: 0,
    signing_alg: row.signing_alg,
  };
}

/** Checks a receiver's request and works out the stream's delivery and events. */
function resolveInput(ctx: ServiceContext, id: string, input: StreamInput) {
  const method = input.delivery?.method ?? POLL;
  if (!(DELIVERY_METHODS as readonly string[]).includes(method)) {
    throw validationFailed(`delivery.method ${method} is not supported: use ${DELIVERY_METHODS.join(" or ")}`, {
      field: "delivery.method",
    });
  }
  const requested = input.events_requested ?? [...SUPPORTED_EVENTS];
  const unknown = requested.filter((e) => !SUPPORTED_EVENTS.includes(e));
  if (unknown.length > 0) {
    throw validationFailed(`events_requested holds event types this transmitter does not send: ${unknown.join(", ")}`, {
      field: "events_requested",
      supported: SUPPORTED_EVENTS,
    });
  }
  let endpoint = `${ctx.config.issuer}/ssf/poll/${id}`;
  if (method === PUSH) {
    const url = input.delivery?.endpoint_url;
    if (!url) throw validationFailed("push delivery needs delivery.endpoint_url", { field: "delivery.endpoint_url" });
    // The webhooks' address policy: https to public hosts; others only if TESSERA_WEBHOOK_ALLOW_HOSTS lists them.
    endpoint = validateWebhookUrl(url, parseAllowList(ctx.config.webhookAllowHosts));
  }
  const audience = input.aud === undefined ? [id] : [input.aud].flat();
  if (audience.length === 0 || audience.some((a) => typeof a !== "string" || a.length === 0 || a.length > 512)) {
    throw validationFailed("aud must be one or more non-empty strings", { field: "aud" });
  }
  const authorization = method === PUSH ? (input.delivery?.authorization_header ?? null) : null;
  const alg = input.signing_alg ?? "EdDSA";
  if (alg !== "EdDSA" && alg !== "RS256") {
    throw validationFailed("signing_alg must be EdDSA (the default) or RS256", { field: "signing_alg" });
  }
  return { method, endpoint, requested, audience, authorization, alg };
}

export async function createStream(ctx: ServiceContext, input: StreamInput, actor: Actor): Promise<StreamView> {
  const id = newId("stream");
  const resolved = resolveInput(ctx, id, input);
  return runUnitOfWork(ctx, async (unit) => {
    const head = await unit.trx.selectFrom("sequences").select("value").where("name", "=", "change").executeTakeFirst();
    const row: SsfStreamsTable = {
      id,
      audience: JSON.stringify(resolved.audience),
      delivery_method: resolved.method,
      endpoint_url: resolved.endpoint,
      authorization_header_enc: resolved.authorization
        ? ctx.config.masterKey.encrypt(Buffer.from(resolved.authorization, "utf8"), authContext(id))
        : null,
      events_requested: JSON.stringify(resolved.requested),
      events_delivered: JSON.stringify(resolved.requested),
      description: input.description ?? null,
      status: "enabled",
      status_reason: null,
      signing_alg: resolved.alg,
      // Events of changes committed after the stream exists.
      cursor_seq: Number(head?.value ?? 0),
      created_at: unit.now,
      created_by: actor.id,
      updated_at: unit.now,
    };
    await unit.trx.insertInto("ssf_streams").values(row).execute();
    await unit.appendAudit({
      actor: actor.id,
      action: "ssf.stream_created",
      targetType: "ssf_stream",
      targetId: id,
      requestId: actor.requestId ?? null,
      data: {
        delivery: resolved.method,
        endpoint: resolved.endpoint,
        events: resolved.requested,
        aud: resolved.audience,
      },
    });
    return toStreamView(row, ctx.config.issuer);
  });
}

export async function readStream(ctx: ServiceContext, id: string): Promise<SsfStreamsTable> {
  const row = await ctx.db.selectFrom("ssf_streams").selectAll().where("id", "=", id).executeTakeFirst();
  if (!row) throw notFound("stream", id);
  return { ...row, cursor_seq: Number(row.cursor_seq) };
}

export async function listStreams(ctx: ServiceContext): Promise<StreamView[]> {
  const rows = await ctx.db.selectFrom("ssf_streams").selectAll().orderBy("created_at").execute();
  return rows.map((r) => toStreamView(r, ctx.config.issuer));
}

/** PATCH (only the fields given) or PUT (the whole configuration) of a stream. */
export async function updateStream(
  ctx: ServiceContext,
  id: string,
  input: StreamInput,
  actor: Actor,
  replace: boolean,
): Promise<StreamView> {
  const current = await readStream(ctx, id);
  const merged: StreamInput = replace
    ? input
    : {
        delivery: input.delivery ?? { method: current.delivery_method, endpoint_url: current.endpoint_url ?? "" },
        events_requested: input.events_requested ?? JSON.parse(current.events_requested),
        aud: input.aud ?? JSON.parse(current.audience),
        signing_alg: input.signing_alg ?? current.signing_alg,
        ...(input.description !== undefined || current.description
          ? { description: input.description ?? current.description ?? "" }
          : {}),
      };
  const resolved = resolveInput(ctx, id, merged);
  return runUnitOfWork(ctx, async (unit) => {
    const changes = {
      audience: JSON.stringify(resolved.audience),
      delivery_method: resolved.method,
      endpoint_url: resolved.endpoint,
      ...(input.delivery?.authorization_header !== undefined || resolved.method !== PUSH
        ? {
            authorization_header_enc: resolved.authorization
              ? ctx.config.masterKey.encrypt(Buffer.from(resolved.authorization, "utf8"), authContext(id))
              : null,
          }
        : {}),
      events_requested: JSON.stringify(resolved.requested),
      events_delivered: JSON.stringify(resolved.requested),
      description: merged.description ?? null,
      signing_alg: resolved.alg,
      updated_at: unit.now,
    };
    await unit.trx.updateTable("ssf_streams").set(changes).where("id", "=", id).execute();
    await unit.appendAudit({
      actor: actor.id,
      action: "ssf.stream_updated",
      targetType: "ssf_stream",
      targetId: id,
      requestId: actor.requestId ?? null,
      data: { delivery: resolved.method, endpoint: resolved.endpoint, events: resolved.requested, replace },
    });
    return toStreamView({ ...current, ...changes }, ctx.config.issuer);
  });
}

export async function deleteStream(ctx: ServiceContext, id: string, actor: Actor): Promise<void> {
  await readStream(ctx, id);
  await runUnitOfWork(ctx, async (unit) => {
    await unit.trx.deleteFrom("ssf_outbox").where("stream_id", "=", id).execute();
    await unit.trx.deleteFrom("ssf_subjects").where("stream_id", "=", id).execute();
    await unit.trx.deleteFrom("ssf_streams").where("id", "=", id).execute();
    await unit.appendAudit({
      actor: actor.id,
      action: "ssf.stream_deleted",
      targetType: "ssf_stream",
      targetId: id,
      requestId: actor.requestId ?? null,
      data: {},
    });
  });
}

export async function setStreamStatus(
  ctx: ServiceContext,
  id: string,
  status: string,
  reason: string | undefined,
  actor: Actor,
): Promise<{ stream_id: string; status: string; reason?: string }> {
  if (status !== "enabled" && status !== "paused" && status !== "disabled") {
    throw validationFailed("status must be enabled, paused or disabled", { field: "status" });
  }
  await readStream(ctx, id);
  await runUnitOfWork(ctx, async (unit) => {
    await unit.trx
      .updateTable("ssf_streams")
      .set({ status, status_reason: reason ?? null, updated_at: unit.now })
      .where("id", "=", id)
      .execute();
    // A disabled stream transmits nothing: what waited is dropped (SSF 1.0 section 8.1.2).
    if (status === "disabled") await unit.trx.deleteFrom("ssf_outbox").where("stream_id", "=", id).execute();
    await unit.appendAudit({
      actor: actor.id,
      action: "ssf.stream_status_changed",
      targetType: "ssf_stream",
      targetId: id,
      reason: reason ?? null,
      requestId: actor.requestId ?? null,
      data: { status },
    });
  });
  return { stream_id: id, status, ...(reason ? { reason } : {}) };
}

/** Checks an RFC 9493 subject identifier's shape (the formats Tessera can match). */
export function checkSubject(subject: unknown): Subject {
  const s = subject as Record<string, unknown> | null;
  if (!s || typeof s !== "object" || typeof s.format !== "string") {
    throw validationFailed("subject must be an RFC 9493 subject identifier with a format", { field: "subject" });
  }
  const needs: Record<string, string> = { opaque: "id", email: "email", iss_sub: "sub", account: "uri" };
  const member = needs[s.format];
  if (s.format !== "complex" && (member === undefined || typeof s[member] !== "string")) {
    throw validationFailed(`subject format ${s.format} is not supported or lacks its ${member ?? "members"}`, {
      field: "subject",
      supported: [...Object.keys(needs), "complex"],
    });
  }
  return s as Subject;
}

export async function changeSubject(
  ctx: ServiceContext,
  id: string,
  subject: unknown,
  add: boolean,
  actor: Actor,
): Promise<void> {
  const checked = checkSubject(subject);
  await readStream(ctx, id);
  const key = subjectKey(checked);
  await runUnitOfWork(ctx, async (unit) => {
    if (add) {
      let insert = unit.trx.insertInto("ssf_subjects").values({ stream_id: id, subject: key, added_at: unit.now });
      insert = insert.onConflict((oc) => oc.columns(["stream_id", "subject"]).doNothing());
      await insert.execute();
    } else {
      await unit.trx.deleteFrom("ssf_subjects").where("stream_id", "=", id).where("subject", "=", key).execute();
    }
    await unit.appendAudit({
      actor: actor.id,
      action: add ? "ssf.subject_added" : "ssf.subject_removed",
      targetType: "ssf_stream",
      targetId: id,
      requestId: actor.requestId ?? null,
      data: { subject: checked },
    });
  });
}

export { authContext };
