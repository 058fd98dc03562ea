/**
 * Push delivery (RFC 8935): due SETs of enabled push streams are claimed in a transaction (their
 * next attempt moved past the request's deadline, FOR UPDATE SKIP LOCKED on PostgreSQL so two
 * instances never send one twice at once), POSTed as application/secevent+jwt, and deleted when
 * the receiver answers 202 (or 200). Anything else is retried with backoff, kept until accepted
 * or the stream is disabled: nothing is lost across restarts.
 */

import type { ServiceContext } from "../context.js";
import { isPostgres, takeSqliteWriteLock } from "../db/dialect.js";
import type { SendAttempt } from "../webhooks/index.js";
import { PUSH } from "./events.js";
import { authContext } from "./streams.js";

const CLAIM = 200;
const REQUEST_TIMEOUT_MS = 10_000;
const MAX_BACKOFF_MS = 10 * 60_000;

export function backoffMs(attempts: number): number {
  return Math.min(MAX_BACKOFF_MS, 1000 * 2 ** Math.max(0, attempts - 1));
}

interface Claimed {
  jti: string;
  set_jwt: string;
  attempts: number;
  endpoint_url: string | null;
  authorization_header_enc: string | null;
  stream_id: string;
}

async function claimDue(ctx: ServiceContext): Promise<Claimed[]> {
  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.clock.now();
    if (!isPostgres(trx)) await takeSqliteWriteLock(trx);
    let query = trx
      .selectFrom("ssf_outbox")
      .innerJoin("ssf_streams", "ssf_streams.id", "ssf_outbox.stream_id")
      .select([
        "ssf_outbox.jti",
        "ssf_outbox.set_jwt",
        "ssf_outbox.attempts",
        "ssf_outbox.stream_id",
        "ssf_streams.endpoint_url",
        "ssf_streams.authorization_header_enc",
      ])
      .where("ssf_streams.delivery_method", "=", PUSH)
      .where("ssf_streams.status", "=", "enabled")
      .where("ssf_outbox.next_attempt_at", "<=", now)
      .orderBy("ssf_outbox.created_at")
      .limit(CLAIM);
    if (isPostgres(trx)) query = query.forUpdate("ssf_outbox").skipLocked();
    const rows = (await query.execute()) as Claimed[];
    if (rows.length > 0) {
      await trx
        .updateTable("ssf_outbox")
        .set({ next_attempt_at: now + REQUEST_TIMEOUT_MS * 2 })
        .where(
          "jti",
          "in",
          rows.map((r) => r.jti),
        )
        .execute();
    }
    return rows;
  });
}

async function send(ctx: ServiceContext, sender: SendAttempt, row: Claimed): Promise<string | null> {
  const headers: Record<string, string> = { "content-type": "application/secevent+jwt", accept: "application/json" };
  if (row.authorization_header_enc) {
    headers.authorization = ctx.config.masterKey
      .decrypt(row.authorization_header_enc, authContext(row.stream_id))
      .toString("utf8");
  }
  // The webhooks' sender: DNS answers are checked against the address policy, no redirect followed.
  const outcome = await sender(row.endpoint_url as string, headers, row.set_jwt, REQUEST_TIMEOUT_MS);
  return outcome.statusCode === 202 || outcome.statusCode === 200
    ? null
    : (outcome.error ?? `HTTP ${outcome.statusCode}`);
}

/** One push round: claims due SETs and sends them; answers how many were accepted and failed. */
export async function pushDue(
  ctx: ServiceContext,
  sender: SendAttempt,
): Promise<{ delivered: number; failed: number }> {
  const claimed = await claimDue(ctx);
  const accepted: string[] = [];
  const failures: { jti: string; attempts: number; error: string }[] = [];
  await Promise.all(
    claimed.map(async (row) => {
      const error = await send(ctx, sender, row);
      if (error === null) accepted.push(row.jti);
      else failures.push({ jti: row.jti, attempts: row.attempts + 1, error });
    }),
  );
  // One statement for the accepted ones (on SQLite each commit is an fsync).
  if (accepted.length > 0) await ctx.db.deleteFrom("ssf_outbox").where("jti", "in", accepted).execute();
  for (const failure of failures) {
    await ctx.db
      .updateTable("ssf_outbox")
      .set({
        attempts: failure.attempts,
        last_error: failure.error,
        next_attempt_at: ctx.clock.now() + backoffMs(failure.attempts),
      })
      .where("jti", "=", failure.jti)
      .execute();
  }
  return { delivered: accepted.length, failed: failures.length };
}
