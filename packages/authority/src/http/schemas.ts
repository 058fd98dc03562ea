/**
 * Shared JSON schemas (TypeBox) of the admin API. Response schemas double as a guard: Fastify
 * serialises only the declared fields, so an internal field (a hash, say) can never leak
 * into a response by accident.
 */
import { type TSchema, Type } from "@sinclair/typebox";

export const Id = (prefix: string) => Type.String({ pattern: `^${prefix}_[0-9A-Za-z]{1,64}$`, maxLength: 80 });

export const ScopeList = Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 100 });

export const Metadata = Type.Record(Type.String({ maxLength: 128 }), Type.Unknown(), {
  description: "Free-form JSON object, at most 8 KiB. Never put secrets here.",
});

export const Duration = Type.String({
  pattern: "^(\\d+(ms|s|m|h|d|w))+$",
  maxLength: 32,
  description: "A duration such as 90d, 12h, 30m, 45s.",
  examples: ["30d"],
});

export const Reason = Type.String({ minLength: 1, maxLength: 1024, description: "Why: kept in the audit trail." });

export const Timestamp = Type.String({ format: "date-time" });
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const ErrorResponse = Type.Object({
  error: Type.Object({
    code: Type.String({ description: "Stable, machine-readable: see docs/errors.md." }),
    message: Type.String(),
    requestId: Type.String(),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  }),
});

export const KeyState = Type.Union([
  Type.Literal("active"),
  Type.Literal("deprecated"),
  Type.Literal("suspended"),
  Type.Literal("revoked"),
  Type.Literal("expired"),
]);

export const KeySchema = Type.Object({
  id: Type.String(),
  principalId: Type.String(),
  start: Type.String({ description: "The key's prefix and first characters: enough to recognise, not to use." }),
  scopes: Type.Array(Type.String()),
  audience: Nullable(Type.String()),
  description: Type.String(),
  metadata: Type.Record(Type.String(), Type.Unknown()),
  state: KeyState,
  createdAt: Type.String(),
  createdBy: Type.String(),
  expiresAt: Nullable(Type.String()),
  lastUsedAt: Nullable(Type.String()),
  revokedAt: Nullable(Type.String()),
  revokedBy: Nullable(Type.String()),
  revokedReason: Nullable(Type.String()),
  replacedBy: Nullable(Type.String()),
  replaces: Nullable(Type.String()),
  graceUntil: Nullable(Type.String()),
  suspendedAt: Nullable(Type.String()),
  suspendedBy: Nullable(Type.String()),
  suspendedReason: Nullable(Type.String()),
  suspendedVia: Nullable(Type.String({ description: "The principal whose suspension suspended this key." })),
  canary: Type.Boolean({ description: "A decoy key that grants nothing: see docs/monitoring.md." }),
});

export const PrincipalKind = Type.Union([Type.Literal("user"), Type.Literal("service"), Type.Literal("app")]);

export const PrincipalSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  kind: PrincipalKind,
  owner: Type.String(),
  status: Type.Union([Type.Literal("active"), Type.Literal("disabled")]),
  allowedScopes: Type.Array(Type.String()),
  metadata: Type.Record(Type.String(), Type.Unknown()),
  createdAt: Type.String(),
  createdBy: Type.String(),
  updatedAt: Type.String(),
  disabledAt: Nullable(Type.String()),
  disabledReason: Nullable(Type.String()),
  suspendedAt: Nullable(Type.String()),
  suspendedReason: Nullable(Type.String()),
});

export const AuditRecordSchema = Type.Object({
  seq: Type.Integer(),
  at: Type.String(),
  actor: Type.String(),
  action: Type.String(),
  targetType: Nullable(Type.String()),
  targetId: Nullable(Type.String()),
  reason: Nullable(Type.String()),
  requestId: Nullable(Type.String()),
  data: Type.Record(Type.String(), Type.Unknown()),
  prevHash: Type.String(),
  hash: Type.String(),
});

/** Standard error responses every admin route can give. */
export const adminErrors = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
  409: ErrorResponse,
  413: ErrorResponse,
  415: ErrorResponse,
  422: ErrorResponse,
};
