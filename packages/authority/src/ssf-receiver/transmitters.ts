/**
 * The transmitters the receiver trusts: added, listed and removed by admins, each change one
 * transaction with its audit record.
 */
import type { ServiceContext } from "../context.js";
import type { SsfTransmittersTable } from "../db/schema-ssf.js";
import { runUnitOfWork } from "../db/transaction.js";
import type { Actor } from "../domain/actor.js";
import { notFound, TesseraError, validationFailed } from "../errors.js";
import { newId } from "../ids.js";

export interface TransmitterInput {
  issuer: string;
  jwksUri?: string;
  jwks?: { keys: unknown[] };
  audience: string;
  action?: "disable" | "revoke";
  description?: string;
}

export interface TransmitterView {
  id: string;
  issuer: string;
  jwksUri: string | null;
  jwks: { keys: unknown[] } | null;
  audience: string;
  action: "disable" | "revoke";
  description: string | null;
  createdAt: string;
  createdBy: string;
}

export function toTransmitterView(row: SsfTransmittersTable): TransmitterView {
  return {
    id: row.id,
    issuer: row.issuer,
    jwksUri: row.jwks_uri,
    jwks: row.jwks ? JSON.parse(row.jwks) : null,
    audience: row.audience,
    action: row.action,
    description: row.description,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    createdBy: row.created_by,
  };
}

function check(input: TransmitterInput): void {
  if ((input.jwksUri === undefined) === (input.jwks === undefined)) {
    throw validationFailed("give exactly one of jwksUri (the transmitter's JWKS URL) and jwks (its keys)", {
      field: "jwksUri",
    });
  }
  if (input.jwksUri !== undefined && !/^https?:\/\//.test(input.jwksUri)) {
    throw validationFailed("jwksUri must be an http(s) URL", { field: "jwksUri" });
  }
  if (input.jwks !== undefined && (!Array.isArray(input.jwks.keys) || input.jwks.keys.length === 0)) {
    throw validationFailed("jwks must be a JWKS: { keys: [...] } with at least one key", { field: "jwks" });
  }
}

export async function addTransmitter(
  ctx: ServiceContext,
  input: TransmitterInput,
  actor: Actor,
): Promise<TransmitterView> {
  check(input);
  const existing = await ctx.db
    .selectFrom("ssf_transmitters")
    .select("id")
    .where("issuer", "=", input.issuer)
    .executeTakeFirst();
  if (existing) {
    throw new TesseraError("conflict", `a transmitter with issuer ${input.issuer} exists: ${existing.id}`, {
      details: { id: existing.id },
    });
  }
  return runUnitOfWork(ctx, async (unit) => {
    const row: SsfTransmittersTable = {
      id: newId("transmitter"),
      issuer: input.issuer,
      jwks_uri: input.jwksUri ?? null,
      jwks: input.jwks ? JSON.stringify(input.jwks) : null,
      audience: input.audience,
      action: input.action ?? "disable",
      description: input.description ?? null,
      created_at: unit.now,
      created_by: actor.id,
    };
    await unit.trx.insertInto("ssf_transmitters").values(row).execute();
    await unit.appendAudit({
      actor: actor.id,
      action: "ssf.transmitter_added",
      targetType: "ssf_transmitter",
      targetId: row.id,
      requestId: actor.requestId ?? null,
      data: { issuer: row.issuer, jwksUri: row.jwks_uri, audience: row.audience, action: row.action },
    });
    return toTransmitterView(row);
  });
}

export async function listTransmitters(ctx: ServiceContext): Promise<TransmitterView[]> {
  const rows = await ctx.db.selectFrom("ssf_transmitters").selectAll().orderBy("created_at").execute();
  return rows.map(toTransmitterView);
}

export async function getTransmitter(ctx: ServiceContext, id: string): Promise<TransmitterView> {
  const row = await ctx.db.selectFrom("ssf_transmitters").selectAll().where("id", "=", id).executeTakeFirst();
  if (!row) throw notFound("transmitter", id);
  return toTransmitterView(row);
}

export async function removeTransmitter(ctx: ServiceContext, id: string, actor: Actor): Promise<void> {
  const shown = await getTransmitter(ctx, id);
  await runUnitOfWork(ctx, async (unit) => {
    await unit.trx.deleteFrom("ssf_transmitters").where("id", "=", id).execute();
    await unit.appendAudit({
      actor: actor.id,
      action: "ssf.transmitter_removed",
      targetType: "ssf_transmitter",
      targetId: id,
      requestId: actor.requestId ?? null,
      data: { issuer: shown.issuer },
    });
  });
}
