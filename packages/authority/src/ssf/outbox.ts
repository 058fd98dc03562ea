/**
 * The SET outbox: a stream's events are made from the change log after its cursor, signed, and
 * inserted in the transaction that moves the cursor past them, so every change becomes its events
 * exactly once even across crashes and several instances (on PostgreSQL the stream row is claimed
 * with FOR UPDATE SKIP LOCKED; SQLite has one writer). Rows leave the outbox when a poll
 * acknowledges them (RFC 8936) or a push is accepted (RFC 8935).
 */
import type { Transaction } from "kysely";
import type { ServiceContext } from "../context.js";
import { readInChunks } from "../db/batches.js";
import { isPostgres, takeSqliteWriteLock } from "../db/dialect.js";
import type { Schema } from "../db/schema.js";
import type { SsfOutboxTable, SsfStreamsTable } from "../db/schema-ssf.js";
import { withEmails } from "./emails.js";
import { type ChangeEntry, keyIdsToResolve, mapChange, type SsfEvent, subjectKey } from "./mapping.js";
import { type SetSigner, type SignerFor, signSet } from "./set.js";

/** Change-log entries read per stream and pass. */
const BATCH = 500;

/**
 * Locks the stream's row. The background loop skips a stream another instance is pumping; a
 * poll waits for it, so that it answers with the events already due.
 */
async function claimStream(trx: Transaction<Schema>, id: string, wait: boolean): Promise<SsfStreamsTable | null> {
  let query = trx.selectFrom("ssf_streams").selectAll().where("id", "=", id);
  if (isPostgres(trx)) query = wait ? query.forUpdate() : query.forUpdate().skipLocked();
  else await takeSqliteWriteLock(trx);
  const row = await query.executeTakeFirst();
  return row ? { ...row, cursor_seq: Number(row.cursor_seq) } : null;
}

async function principalsOf(trx: Transaction<Schema>, entries: ChangeEntry[]): Promise<Map<string, string>> {
  const ids = [...new Set(keyIdsToResolve(entries))];
  const rows = await readInChunks(ids, 500, (chunk) =>
    trx.selectFrom("api_keys").select(["id", "principal_id"]).where("id", "in", chunk).execute(),
  );
  return new Map(rows.map((r) => [r.id, r.principal_id]));
}

/** Whether a stream with these subjects (none: every subject) wants this event. */
function wanted(event: SsfEvent, delivered: ReadonlySet<string>, subjects: ReadonlySet<string>): boolean {
  if (!delivered.has(event.type)) return false;
  if (subjects.size === 0) return true;
  return [event.subject, ...event.related].some((s) => subjects.has(subjectKey(s)));
}

export interface PumpResult {
  events: number;
  more: boolean;
}

/** Writes the stream's next events into the outbox and moves its cursor past their changes. */
export async function pumpStream(
  ctx: ServiceContext,
  id: string,
  signers: SignerFor,
  wait = false,
): Promise<PumpResult> {
  const head = await ctx.db.selectFrom("sequences").select("value").where("name", "=", "change").executeTakeFirst();
  const idle = await ctx.db
    .selectFrom("ssf_streams")
    .select(["cursor_seq", "signing_alg"])
    .where("id", "=", id)
    .executeTakeFirst();
  if (!idle || Number(idle.cursor_seq) >= Number(head?.value ?? 0)) return { events: 0, more: false };
  const signer = await signers(idle.signing_alg);
  return ctx.db.transaction().execute(async (trx) => {
    const stream = await claimStream(trx, id, wait);
    if (!stream) return { events: 0, more: false };
    const entries = (await trx
      .selectFrom("change_log")
      .selectAll()
      .where("seq", ">", stream.cursor_seq)
      .orderBy("seq")
      .limit(BATCH)
      .execute()) as ChangeEntry[];
    const last = entries.at(-1);
    if (!last) return { events: 0, more: false };
    let rows: SsfOutboxTable[] = [];
    // A disabled stream transmits nothing (SSF 1.0 section 8.1.2): its cursor only moves on.
    if (stream.status !== "disabled") rows = await eventsOf(ctx, trx, stream, entries, signer);
    for (let i = 0; i < rows.length; i += 200)
      await trx
        .insertInto("ssf_outbox")
        .values(rows.slice(i, i + 200))
        .execute();
    await trx
      .updateTable("ssf_streams")
      .set({ cursor_seq: Number(last.seq) })
      .where("id", "=", id)
      .execute();
    return { events: rows.length, more: entries.length === BATCH };
  });
}

async function eventsOf(
  ctx: ServiceContext,
  trx: Transaction<Schema>,
  stream: SsfStreamsTable,
  entries: ChangeEntry[],
  signer: SetSigner,
): Promise<SsfOutboxTable[]> {
  const delivered = new Set(JSON.parse(stream.events_delivered) as string[]);
  const subjectRows = await trx
    .selectFrom("ssf_subjects")
    .select("subject")
    .where("stream_id", "=", stream.id)
    .execute();
  const subjects = new Set(subjectRows.map((r) => r.subject));
  const principalOf = await principalsOf(trx, entries);
  const audience = JSON.parse(stream.audience) as string[];
  const now = ctx.clock.now();
  const rows: SsfOutboxTable[] = [];
  // One lookup of user principals' emails for the whole batch.
  const events = await withEmails(
    trx,
    entries.flatMap((entry) => mapChange(entry, principalOf)),
  );
  for (const event of events) {
    if (!wanted(event, delivered, subjects)) continue;
    const set = await signSet(
      {
        issuer: ctx.config.issuer,
        audience,
        type: event.type,
        subject: event.subject,
        payload: event.payload,
        txn: String(event.seq),
        now,
      },
      signer,
    );
    rows.push(outboxRow(stream.id, event.type, Number(event.seq), set, now));
  }
  return rows;
}

export function outboxRow(
  streamId: string,
  type: string,
  seq: number | null,
  set: { jti: string; jwt: string },
  now: number,
): SsfOutboxTable {
  return {
    jti: set.jti,
    stream_id: streamId,
    event_type: type,
    change_seq: seq,
    set_jwt: set.jwt,
    attempts: 0,
    next_attempt_at: now,
    last_error: null,
    created_at: now,
  };
}

/** Drops what a poll acknowledged (and SETs the receiver reported errors for: it will not take them). */
export async function acknowledge(ctx: ServiceContext, streamId: string, jtis: readonly string[]): Promise<number> {
  let removed = 0;
  for (let i = 0; i < jtis.length; i += 500) {
    const result = await ctx.db
      .deleteFrom("ssf_outbox")
      .where("stream_id", "=", streamId)
      .where("jti", "in", jtis.slice(i, i + 500))
      .executeTakeFirst();
    removed += Number(result.numDeletedRows);
  }
  return removed;
}

/** The oldest waiting SETs of a stream, up to `max`, and whether more wait. */
export async function waiting(ctx: ServiceContext, streamId: string, max: number) {
  const rows = await ctx.db
    .selectFrom("ssf_outbox")
    .select(["jti", "set_jwt"])
    .where("stream_id", "=", streamId)
    .orderBy("created_at")
    .orderBy("change_seq")
    .orderBy("jti")
    .limit(max + 1)
    .execute();
  return { rows: rows.slice(0, max), more: rows.length > max };
}

export async function streamStats(ctx: ServiceContext) {
  const [streams, waitingRows, head] = await Promise.all([
    ctx.db.selectFrom("ssf_streams").select(["id", "cursor_seq"]).execute(),
    ctx.db
      .selectFrom("ssf_outbox")
      .select((eb) => ["stream_id", eb.fn.countAll<number>().as("count"), eb.fn.min("created_at").as("oldest")])
      .groupBy("stream_id")
      .execute(),
    ctx.db.selectFrom("sequences").select("value").where("name", "=", "change").executeTakeFirst(),
  ]);
  const byStream = new Map(waitingRows.map((r) => [r.stream_id, r]));
  return streams.map((s) => {
    const w = byStream.get(s.id);
    return {
      streamId: s.id,
      pending: Number(w?.count ?? 0),
      oldestAt: w?.oldest === null || w?.oldest === undefined ? null : Number(w.oldest),
      lag: Math.max(0, Number(head?.value ?? 0) - Number(s.cursor_seq)),
    };
  });
}
