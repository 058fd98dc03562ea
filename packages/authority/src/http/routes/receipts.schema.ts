/** The receipt in revoke answers and `GET /v1/receipts/:id`, and the `?wait=` every revoke route takes. */
import { type Static, Type } from "@sinclair/typebox";
import type { FastifyRequest } from "fastify";
import type { Authority } from "../../authority.js";
import type { Actor } from "../../domain/actor.js";
import { parseDuration } from "../../duration.js";
import { validationFailed } from "../../errors.js";
import { MAX_RECEIPT_WAIT_MS, type Receipt } from "../../feed/receipts.js";
import { inSpan } from "../../tracing.js";
import { actorOf } from "../auth.js";
import { Duration } from "../schemas.js";

export const ReceiptSchema = Type.Object({
  id: Type.String(),
  sequence: Type.Integer(),
  revokedAt: Type.String(),
  verifiers: Type.Object({ confirmed: Type.Integer(), total: Type.Integer() }),
  slowestConfirmationMs: Type.Union([Type.Integer(), Type.Null()]),
  pending: Type.Array(Type.String()),
  failClosedDeadline: Type.Union([Type.String(), Type.Null()]),
  complete: Type.Boolean(),
});

export const WaitQuery = Type.Object({
  wait: Type.Optional(
    Type.String({
      pattern: Duration.pattern,
      maxLength: 32,
      description: "Answer when every connected verifier applied the revocation, or after this long (at most 30s).",
      examples: ["5s"],
    }),
  ),
});

/** The `?wait=` of a revoke request in ms (0 when absent); checked before anything is revoked. */
export function parseWait(wait: string | undefined): number {
  const waitMs = wait === undefined ? 0 : parseDuration(wait, "wait");
  if (waitMs > MAX_RECEIPT_WAIT_MS) throw validationFailed("wait may be at most 30s", { field: "wait" });
  return waitMs;
}

/** The receipt of a revocation at `sequence` (null when nothing changed), waiting up to `waitMs`. */
export async function receiptFor(
  authority: Authority,
  sequence: number | null,
  waitMs: number,
  actor: Actor,
): Promise<Receipt | null> {
  if (sequence === null) return null;
  return inSpan(
    "tessera.receipt",
    { "tessera.change.sequence": sequence, "tessera.receipt.wait_ms": waitMs },
    async (span) => {
      const receipt = await authority.feed.awaitReceipt(sequence, waitMs, actor.id);
      // The confirmations as they stood when the caller was answered (later ones accrue to the receipt).
      span.addEvent("tessera.receipt.confirmations", {
        "tessera.receipt.id": receipt.id,
        "tessera.verifiers.confirmed": receipt.verifiers.confirmed,
        "tessera.verifiers.total": receipt.verifiers.total,
        "tessera.receipt.complete": receipt.complete,
        ...(receipt.slowestConfirmationMs === null
          ? {}
          : { "tessera.receipt.slowest_ms": receipt.slowestConfirmationMs }),
      });
      return receipt;
    },
  );
}

/** The fields every change that can be waited on answers with, beside its own. */
export const ChangeReceiptFields = {
  sequence: Type.Union([Type.Integer(), Type.Null()]),
  receipt: Type.Union([ReceiptSchema, Type.Null()]),
};

/**
 * Makes a change as the request's caller and answers with its receipt: `?wait=` is checked
 * before anything changes, then the receipt is awaited (up to `?wait`) at the change's sequence.
 * Revoke, disable, selector revocation and suspension all answer this way.
 */
export async function changeWithReceipt<T extends { sequence: number | null }>(
  authority: Authority,
  request: FastifyRequest<{ Querystring: Static<typeof WaitQuery> }>,
  change: (actor: Actor) => Promise<T>,
): Promise<T & { receipt: Receipt | null }> {
  const actor = actorOf(request);
  const waitMs = parseWait(request.query.wait);
  const result = await change(actor);
  return { ...result, receipt: await receiptFor(authority, result.sequence, waitMs, actor) };
}
