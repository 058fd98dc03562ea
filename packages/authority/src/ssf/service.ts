/**
 * The SSF 1.0 transmitter: stream management, the configuration document, poll delivery
 * (RFC 8936) and a background loop that writes streams' events and pushes them (RFC 8935).
 */
import type { ServiceContext } from "../context.js";
import type { Actor } from "../domain/actor.js";
import { parseAllowList } from "../domain/address-policy.js";
import { createSender } from "../webhooks/index.js";
import { transmitterConfiguration } from "./configuration.js";
import { type PollRequest, pollSets, requestVerification } from "./delivery.js";
import { pumpStream, streamStats } from "./outbox.js";
import { pushDue } from "./push.js";
import { createRsaKey } from "./rsa-key.js";
import type { SetSigner, SignerFor } from "./set.js";
import {
  changeSubject,
  createStream,
  deleteStream,
  listStreams,
  readStream,
  type StreamInput,
  setStreamStatus,
  toStreamView,
  updateStream,
} from "./streams.js";

export type { PollRequest };

const LOOP_MS = 250;

export function createSsfService(ctx: ServiceContext, eddsa: () => Promise<Omit<SetSigner, "alg">>) {
  const rsaKey = createRsaKey(ctx);
  const sender = createSender(parseAllowList(ctx.config.webhookAllowHosts));
  const signer: SignerFor = async (alg) =>
    alg === "RS256" ? { alg: "RS256", ...(await rsaKey.signer()) } : { alg: "EdDSA", ...(await eddsa()) };
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;

  async function pumpAll(): Promise<void> {
    const streams = await ctx.db.selectFrom("ssf_streams").select("id").execute();
    if (streams.length === 0) return;
    for (const { id } of streams) while ((await pumpStream(ctx, id, signer)).more);
  }

  async function round(): Promise<void> {
    await pumpAll();
    while ((await pushDue(ctx, sender)).delivered > 0);
  }

  function tick(): void {
    if (running) return;
    running = round()
      .catch((error) => process.emitWarning(`tessera ssf: ${(error as Error)?.message ?? String(error)}`))
      .finally(() => {
        running = null;
      });
  }

  return {
    configuration: () => transmitterConfiguration(ctx.config.issuer),
    /** Public keys that verify SETs: the OAuth keys (EdDSA) and the RS256 key once made. */
    jwks: async (oauthKeys: { keys: unknown[] }) => {
      const rsa = await rsaKey.publicJwk();
      return { keys: [...oauthKeys.keys, ...(rsa ? [rsa] : [])] };
    },
    create: (input: StreamInput, actor: Actor) => createStream(ctx, input, actor),
    get: async (id: string) => toStreamView(await readStream(ctx, id), ctx.config.issuer),
    list: () => listStreams(ctx),
    update: (id: string, input: StreamInput, actor: Actor, replace: boolean) =>
      updateStream(ctx, id, input, actor, replace),
    remove: (id: string, actor: Actor) => deleteStream(ctx, id, actor),
    status: async (id: string) => {
      const row = await readStream(ctx, id);
      return { stream_id: id, status: row.status, ...(row.status_reason ? { reason: row.status_reason } : {}) };
    },
    setStatus: (id: string, status: string, reason: string | undefined, actor: Actor) =>
      setStreamStatus(ctx, id, status, reason, actor),
    addSubject: (id: string, subject: unknown, actor: Actor) => changeSubject(ctx, id, subject, true, actor),
    removeSubject: (id: string, subject: unknown, actor: Actor) => changeSubject(ctx, id, subject, false, actor),
    verify: async (streamId: string, state: string | undefined) => {
      await requestVerification(ctx, signer, streamId, state);
      tick();
    },
    poll: (streamId: string, request: PollRequest) => pollSets(ctx, signer, streamId, request),
    /** Writes every stream's pending events and pushes what is due (also run by the loop). */
    flush: round,
    /** Per stream: SETs waiting, the oldest one's time, and change-log entries not yet read. */
    stats: () => streamStats(ctx),
    start(): void {
      timer ??= setInterval(tick, LOOP_MS);
      timer.unref();
    },
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}

export type SsfService = ReturnType<typeof createSsfService>;
