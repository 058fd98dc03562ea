/** Schemas the usage routes share: the range query and the answers' shapes. */
import { Type } from "@sinclair/typebox";

export const RangeQuery = Type.Object(
  {
    from: Type.Optional(
      Type.String({ maxLength: 40, description: "ISO 8601 time or epoch ms; default: one span back from `to`" }),
    ),
    to: Type.Optional(Type.String({ maxLength: 40, description: "ISO 8601 time or epoch ms; default: now" })),
    bucket: Type.Optional(
      Type.Union([Type.Literal("minute"), Type.Literal("hour"), Type.Literal("day")], { description: "default hour" }),
    ),
  },
  { additionalProperties: false },
);

const Counts = Type.Record(Type.String(), Type.Integer());
const Point = Type.Object({ at: Type.String(), total: Type.Integer(), outcomes: Counts });
const Seen = Type.Array(
  Type.Object({ value: Type.String(), firstSeen: Type.String(), lastSeen: Type.String(), count: Type.Integer() }),
);
const RangeFields = { bucket: Type.String(), from: Type.String(), to: Type.String() };

export const KeyUsageSchema = Type.Object({
  keyId: Type.String(),
  ...RangeFields,
  totals: Counts,
  series: Type.Array(Point),
  addresses: Seen,
  networks: Seen,
  userAgents: Seen,
  routes: Seen,
  dropped: Type.Object(
    {
      addresses: Type.Optional(Type.Integer()),
      networks: Type.Optional(Type.Integer()),
      userAgents: Type.Optional(Type.Integer()),
      routes: Type.Optional(Type.Integer()),
    },
    { description: "values seen but no longer kept (TESSERA_USAGE_SEEN_LIMIT per key)" },
  ),
});

export const ManyKeysUsageSchema = Type.Object({
  ...RangeFields,
  keys: Type.Array(Type.Object({ keyId: Type.String(), total: Type.Integer(), series: Type.Array(Type.Integer()) })),
});

export const FleetUsageSchema = Type.Object({
  ...RangeFields,
  verifications: Type.Integer(),
  ok: Type.Integer(),
  blocked: Counts,
  series: Type.Array(Point),
});
