/**
 * The Shared Signals receiver: a pushed SET (RFC 8935) from a trusted transmitter is checked
 * (signature, issuer, audience, age, replay), then each event that ends a user's access
 * (CAEP session-revoked, RISC account-disabled, RISC credential-compromise, CAEP
 * credential-change with change_type revoke) disables the user principal it names, or revokes
 * its keys, per the transmitter's configuration. The action's own audit record names the event;
 * refused SETs are audited and change nothing.
 */
import type { ServiceContext } from "../context.js";
import { runUnitOfWork } from "../db/transaction.js";
import type { Actor } from "../domain/actor.js";
import { ADMIN_SCOPES } from "../domain/scopes.js";
import { type CheckedSet, checkSet, claimedIssuer, MAX_SET_AGE_MS, SetRefused } from "./check-set.js";
import { userPrincipalOf } from "./subjects.js";
import {
  addTransmitter,
  getTransmitter,
  listTransmitters,
  removeTransmitter,
  type TransmitterInput,
} from "./transmitters.js";

const CAEP = "https://schemas.openid.net/secevent/caep/event-type";
const RISC = "https://schemas.openid.net/secevent/risc/event-type";

/** Events that end a user's access, and whether one needs a condition to. */
const REVOKING: Record<string, (event: Record<string, unknown>) => boolean> = {
  [`${CAEP}/session-revoked`]: () => true,
  [`${RISC}/account-disabled`]: () => true,
  [`${RISC}/credential-compromise`]: () => true,
  [`${CAEP}/credential-change`]: (event) => event.change_type === "revoke",
};

export interface ReceiverDeps {
  disablePrincipal(id: string, reason: string, actor: Actor): Promise<unknown>;
  revokePrincipalKeys(id: string, reason: string, actor: Actor): Promise<unknown>;
}

export type ReceiveOutcome = "accepted" | SetRefused["err"];

export interface EventResult {
  type: string;
  principalId: string | null;
  action: "disabled" | "revoked" | "ignored";
}

/** Audits a refused SET (nothing else changes) and throws it on. */
async function refuse(
  ctx: ServiceContext,
  tell: (outcome: ReceiveOutcome) => void,
  error: SetRefused,
  issuer: string | null,
): Promise<never> {
  await runUnitOfWork(ctx, (unit) =>
    unit.appendAudit({
      actor: "ssf:receiver",
      action: "ssf.set_refused",
      targetType: "ssf_transmitter",
      targetId: null,
      reason: error.description,
      requestId: null,
      data: { err: error.err, issuer },
    }),
  );
  tell(error.err);
  throw error;
}

/** Keeps the SET's jti (a replay is refused until it is too old anyway) and audits what it did. */
async function record(ctx: ServiceContext, set: CheckedSet, issuer: string, results: EventResult[]): Promise<void> {
  const now = ctx.clock.now();
  await runUnitOfWork(ctx, async (unit) => {
    await unit.trx
      .insertInto("ssf_received_sets")
      .values({ issuer, jti: set.jti, received_at: now, expires_at: (set.iat as number) * 1000 + MAX_SET_AGE_MS })
      .onConflict((oc) => oc.columns(["issuer", "jti"]).doNothing())
      .execute();
    await unit.trx.deleteFrom("ssf_received_sets").where("expires_at", "<", now).execute();
    await unit.appendAudit({
      actor: "ssf:receiver",
      action: "ssf.set_received",
      targetType: "ssf_transmitter",
      targetId: null,
      reason: null,
      requestId: null,
      data: { issuer, jti: set.jti, events: results },
    });
  });
}

export function createSsfReceiver(ctx: ServiceContext, deps: ReceiverDeps) {
  const listeners = new Set<(outcome: ReceiveOutcome) => void>();
  const tell = (outcome: ReceiveOutcome) => {
    for (const listener of listeners) listener(outcome);
  };

  async function act(set: CheckedSet, transmitter: { id: string; issuer: string; action: "disable" | "revoke" }) {
    const actor: Actor = { id: `ssf:${transmitter.id}`, scopes: new Set(ADMIN_SCOPES) };
    const results: EventResult[] = [];
    for (const [type, event] of Object.entries(set.events)) {
      const revoking = REVOKING[type]?.(event) ?? false;
      const principalId = revoking ? await userPrincipalOf(ctx.db, set.sub_id ?? event.subject) : null;
      if (!revoking || principalId === null) {
        results.push({ type, principalId: null, action: "ignored" });
        continue;
      }
      const reason = `${type.split("/").pop()} from ${transmitter.issuer} (SET ${set.jti})`;
      if (transmitter.action === "disable") await deps.disablePrincipal(principalId, reason, actor);
      else await deps.revokePrincipalKeys(principalId, reason, actor);
      results.push({ type, principalId, action: transmitter.action === "disable" ? "disabled" : "revoked" });
    }
    return results;
  }

  /** Checks and applies one pushed SET; throws SetRefused (already audited) when it is refused. */
  async function receive(jwt: string): Promise<EventResult[]> {
    let issuer: string | null = null;
    try {
      issuer = claimedIssuer(jwt);
      const transmitter = await ctx.db
        .selectFrom("ssf_transmitters")
        .selectAll()
        .where("issuer", "=", issuer)
        .executeTakeFirst();
      if (!transmitter) throw new SetRefused("invalid_issuer", `no trusted transmitter has issuer ${issuer}`);
      const set = await checkSet(jwt, transmitter, ctx.clock.now());
      const seen = await ctx.db
        .selectFrom("ssf_received_sets")
        .select("jti")
        .where("issuer", "=", transmitter.issuer)
        .where("jti", "=", set.jti)
        .executeTakeFirst();
      if (seen) throw new SetRefused("invalid_request", `SET ${set.jti} was received before (replay)`);
      const results = await act(set, transmitter);
      await record(ctx, set, transmitter.issuer, results);
      tell("accepted");
      return results;
    } catch (error) {
      if (error instanceof SetRefused) return refuse(ctx, tell, error, issuer);
      throw error;
    }
  }

  return {
    receive,
    onOutcome(listener: (outcome: ReceiveOutcome) => void) {
      listeners.add(listener);
    },
    add: (input: TransmitterInput, actor: Actor) => addTransmitter(ctx, input, actor),
    list: () => listTransmitters(ctx),
    get: (id: string) => getTransmitter(ctx, id),
    remove: (id: string, actor: Actor) => removeTransmitter(ctx, id, actor),
  };
}

export type SsfReceiver = ReturnType<typeof createSsfReceiver>;
