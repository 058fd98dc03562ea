/**
 * Poll delivery (RFC 8936) and verification events (SSF 1.0 section 8.1.4).
 */
import type { ServiceContext } from "../context.js";
import { TesseraError, validationFailed } from "../errors.js";
import { EVENT, POLL } from "./events.js";
import { opaque } from "./mapping.js";
import { acknowledge, outboxRow, pumpStream, waiting } from "./outbox.js";
import { type SignerFor, signSet } from "./set.js";
import { readStream } from "./streams.js";

export interface PollRequest {
  ack?: string[];
  setErrs?: Record<string, { err: string; description?: string }>;
  maxEvents?: number;
  returnImmediately?: boolean;
}

const LONG_POLL_MS = 5000;

export async function pollSets(ctx: ServiceContext, signer: SignerFor, streamId: string, request: PollRequest) {
  const stream = await readStream(ctx, streamId);
  if (stream.delivery_method !== POLL) {
    throw validationFailed("this stream is delivered by push, not poll", { field: "stream_id" });
  }
  const done = [...(request.ack ?? []), ...Object.keys(request.setErrs ?? {})];
  if (done.length > 0) await acknowledge(ctx, streamId, done);
  const max = Math.max(0, Math.min(request.maxEvents ?? 100, 1000));
  const deadline = ctx.clock.now() + (request.returnImmediately === false ? LONG_POLL_MS : 0);
  for (;;) {
    if (stream.status === "enabled") while ((await pumpStream(ctx, streamId, signer, true)).more);
    const found =
      stream.status === "enabled" && max > 0 ? await waiting(ctx, streamId, max) : { rows: [], more: false };
    if (found.rows.length > 0 || max === 0 || ctx.clock.now() >= deadline) {
      return { sets: Object.fromEntries(found.rows.map((r) => [r.jti, r.set_jwt])), moreAvailable: found.more };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Queues a verification event (SSF 1.0 section 8.1.4), echoing the receiver's `state`. */
export async function requestVerification(
  ctx: ServiceContext,
  signer: SignerFor,
  streamId: string,
  state: string | undefined,
): Promise<void> {
  const stream = await readStream(ctx, streamId);
  if (stream.status !== "enabled") {
    throw new TesseraError("conflict", `stream ${streamId} is ${stream.status}: enable it before verifying`);
  }
  const now = ctx.clock.now();
  const set = await signSet(
    {
      issuer: ctx.config.issuer,
      audience: JSON.parse(stream.audience),
      type: EVENT.verification,
      subject: opaque(streamId),
      payload: state === undefined ? {} : { state },
      txn: null,
      now,
    },
    await signer(stream.signing_alg),
  );
  await ctx.db
    .insertInto("ssf_outbox")
    .values(outboxRow(streamId, EVENT.verification, null, set, now))
    .execute();
}
