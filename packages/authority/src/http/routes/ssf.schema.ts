/** Schemas the SSF transmitter's routes share (SSF 1.0 stream configuration and status). */
import { Type } from "@sinclair/typebox";

export const StreamId = Type.String({ minLength: 1, maxLength: 80 });

/** What a receiver sends to create or change a stream; read-only members it echoes are ignored. */
export const StreamBody = Type.Object(
  {
    delivery: Type.Optional(
      Type.Object(
        {
          method: Type.Optional(Type.String({ maxLength: 128 })),
          endpoint_url: Type.Optional(Type.String({ maxLength: 2048 })),
          authorization_header: Type.Optional(Type.String({ maxLength: 4096 })),
        },
        { additionalProperties: true },
      ),
    ),
    events_requested: Type.Optional(Type.Array(Type.String({ maxLength: 256 }), { maxItems: 50 })),
    description: Type.Optional(Type.String({ maxLength: 1024 })),
    aud: Type.Optional(
      Type.Union([Type.String({ maxLength: 512 }), Type.Array(Type.String({ maxLength: 512 }), { maxItems: 20 })]),
    ),
  },
  { additionalProperties: true },
);

export const StreamSchema = Type.Object({
  stream_id: Type.String(),
  iss: Type.String(),
  aud: Type.Union([Type.String(), Type.Array(Type.String())]),
  events_supported: Type.Array(Type.String()),
  events_requested: Type.Array(Type.String()),
  events_delivered: Type.Array(Type.String()),
  delivery: Type.Object({ method: Type.String(), endpoint_url: Type.String() }),
  description: Type.Optional(Type.String()),
  min_verification_interval: Type.Integer(),
  signing_alg: Type.String(),
});

export const StatusSchema = Type.Object({
  stream_id: Type.String(),
  status: Type.String(),
  reason: Type.Optional(Type.String()),
});
