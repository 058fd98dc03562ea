/** Schemas shared by the campaign endpoints. */
import { type TSchema, Type } from "@sinclair/typebox";
import type { CampaignSelector } from "../../campaigns/selection.js";
import { timeParam } from "../route.js";

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const CampaignId = Type.String({ pattern: "^cmp_[0-9A-Za-z]{1,64}$", maxLength: 80 });

export const CampaignSelectorSchema = Type.Object(
  {
    principalId: Type.Optional(Type.String({ maxLength: 80 })),
    owner: Type.Optional(Type.String({ maxLength: 256 })),
    scope: Type.Optional(Type.String({ maxLength: 128 })),
    createdBefore: Type.Optional(Type.String({ format: "date-time" })),
    createdAfter: Type.Optional(Type.String({ format: "date-time" })),
    all: Type.Optional(Type.Boolean({ description: "Every active key; cannot be combined with other criteria." })),
  },
  { additionalProperties: false, description: "All criteria must match (AND); at least one is required." },
);

export const ExportRecipients = Type.Record(
  Type.String({ minLength: 1, maxLength: 256 }),
  Type.Object({}, { additionalProperties: true }),
  {
    maxProperties: 1000,
    description:
      "Owner → public JWK (X25519 OKP or P-256 EC, never with `d`): that owner's new secrets are put in an export file only that key can open.",
  },
);

export const CampaignSchema = Type.Object({
  id: Type.String(),
  status: Type.Union([
    Type.Literal("draft"),
    Type.Literal("executed"),
    Type.Literal("finalized"),
    Type.Literal("rolled_back"),
  ]),
  description: Type.String(),
  selector: Type.Record(Type.String(), Type.Unknown()),
  scopes: Nullable(Type.Array(Type.String())),
  grace: Type.String(),
  expiresIn: Nullable(Type.String()),
  exportRecipients: Type.Array(Type.String()),
  createdAt: Type.String(),
  createdBy: Type.String(),
  executedAt: Nullable(Type.String()),
  executedBy: Nullable(Type.String()),
  graceUntil: Nullable(Type.String()),
  keys: Type.Integer(),
  finishedAt: Nullable(Type.String()),
  finishedBy: Nullable(Type.String()),
  forced: Type.Boolean(),
});

export const ProgressSchema = Type.Object({
  total: Type.Integer(),
  replacementUsed: Type.Integer(),
  oldUsedSinceExecute: Type.Integer(),
  oldInUse: Type.Integer(),
  safeToRetire: Type.Integer(),
  oldRevoked: Type.Integer(),
  inUseSince: Type.String(),
});

export const FinishResultSchema = Type.Object({
  campaign: CampaignSchema,
  sequence: Type.Integer(),
  revoked: Type.Integer(),
  restored: Type.Optional(Type.Integer()),
});

/** The selector of a request, with its times as epoch ms. */
export function toCampaignSelector(selector: {
  principalId?: string | undefined;
  owner?: string | undefined;
  scope?: string | undefined;
  createdBefore?: string | undefined;
  createdAfter?: string | undefined;
  all?: boolean | undefined;
}): CampaignSelector {
  const out: CampaignSelector = {};
  if (selector.principalId !== undefined) out.principalId = selector.principalId;
  if (selector.owner !== undefined) out.owner = selector.owner;
  if (selector.scope !== undefined) out.scope = selector.scope;
  if (selector.createdBefore !== undefined) out.createdBefore = timeParam(selector.createdBefore) as number;
  if (selector.createdAfter !== undefined) out.createdAfter = timeParam(selector.createdAfter) as number;
  if (selector.all !== undefined) out.all = selector.all;
  return out;
}
