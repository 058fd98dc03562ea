/** Shapes shared by the webhook routes. Secrets appear only in the create and rotate answers. */
import { Type } from "@sinclair/typebox";
import { Id } from "../schemas.js";

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

export const WebhookParams = Type.Object({ id: Id("whk") });

export const WebhookSchema = Type.Object({
  id: Type.String(),
  url: Type.String(),
  owner: Nullable(Type.String()),
  events: Type.Array(Type.String()),
  description: Type.String(),
  status: Type.Union([Type.Literal("active"), Type.Literal("disabled")]),
  createdAt: Type.String(),
  createdBy: Type.String(),
  updatedAt: Type.String(),
  previousSecretUntil: Nullable(Type.String()),
  disabledAt: Nullable(Type.String()),
  disabledBy: Nullable(Type.String()),
  disabledReason: Nullable(Type.String()),
});

export const WebhookWithSecretSchema = Type.Object({
  webhook: WebhookSchema,
  secret: Type.String({ description: "The signing secret (whsec_...): shown once, store it in the receiver." }),
});

export const DeliveryStatusSchema = Type.Union([
  Type.Literal("pending"),
  Type.Literal("delivered"),
  Type.Literal("failed"),
  Type.Literal("cancelled"),
]);

export const DeliverySchema = Type.Object({
  id: Type.String(),
  webhookId: Type.String(),
  eventId: Type.String(),
  eventType: Type.String(),
  eventAt: Type.String(),
  status: DeliveryStatusSchema,
  attempts: Type.Integer(),
  nextAttemptAt: Nullable(Type.String()),
  lastAttemptAt: Nullable(Type.String()),
  lastStatusCode: Type.Union([Type.Integer(), Type.Null()]),
  lastError: Nullable(Type.String()),
  deliveredAt: Nullable(Type.String()),
  createdAt: Type.String(),
  attemptLog: Type.Array(
    Type.Object({
      attempt: Type.Integer(),
      at: Type.String(),
      durationMs: Type.Integer(),
      statusCode: Type.Union([Type.Integer(), Type.Null()]),
      error: Nullable(Type.String()),
    }),
  ),
});
