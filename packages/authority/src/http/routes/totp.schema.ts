/**
 * Shared pieces of the /v1/me/totp endpoints: the status shape, and the rule that only an
 * admin key (one holding any admin scope) manages its own principal's second factor. The
 * routes declare `scopes: []` (authenticated, no particular scope) and check that here.
 */
import { Type } from "@sinclair/typebox";
import type { FastifyRequest } from "fastify";
import type { Actor } from "../../domain/actor.js";
import { isAdminScope } from "../../domain/scopes.js";
import { TesseraError } from "../../errors.js";
import { actorOf } from "../auth.js";
import { ErrorResponse } from "../schemas.js";

export const TotpStatusSchema = Type.Object({
  status: Type.Union([Type.Literal("none"), Type.Literal("pending"), Type.Literal("active")]),
  createdAt: Type.Union([Type.String(), Type.Null()]),
  activatedAt: Type.Union([Type.String(), Type.Null()]),
  lastUsedAt: Type.Union([Type.String(), Type.Null()]),
  recoveryCodesLeft: Type.Integer(),
});

export const OtpBody = Type.Object(
  {
    otp: Type.String({
      minLength: 6,
      maxLength: 32,
      description: "A current 6-digit code from the authenticator (or, where allowed, a recovery code).",
    }),
  },
  { additionalProperties: false },
);

/** Answers a second-factor endpoint may add to the admin ones: too many wrong codes. */
export const rateLimitedError = { 429: ErrorResponse };

/** Refuses a key that holds no admin scope: a service's ordinary key has no second factor to manage. */
/** The caller of a /v1/me/totp endpoint, which must be an admin key. */
export function adminCallerOf(request: FastifyRequest): Actor {
  const actor = actorOf(request);
  if (![...actor.scopes].some(isAdminScope)) {
    throw new TesseraError("forbidden", "only an admin key (holding any admin scope) can manage its principal's TOTP");
  }
  return actor;
}
