/** Schemas the findings and detectors routes share. */
import { Type } from "@sinclair/typebox";
import { DETECTOR_IDS, MODES } from "../../findings/index.js";

export const FindingSchema = Type.Object({
  id: Type.String(),
  detector: Type.String(),
  severity: Type.String(),
  state: Type.Union([Type.Literal("open"), Type.Literal("acknowledged"), Type.Literal("resolved")]),
  keyId: Type.Union([Type.String(), Type.Null()]),
  principalId: Type.Union([Type.String(), Type.Null()]),
  window: Type.Object({ from: Type.String(), to: Type.String() }),
  count: Type.Integer(),
  evidence: Type.Record(Type.String(), Type.Unknown()),
  mode: Type.String({ description: "the detector's mode when the finding opened" }),
  action: Type.Union([Type.String(), Type.Null()], {
    description: "what was done (suspended, revoked), what a stricter mode would have done, or why nothing was",
  }),
  actionSequence: Type.Union([Type.Integer(), Type.Null()], { description: "the action's change-log sequence" }),
  actionReceipt: Type.Union([Type.String(), Type.Null()], {
    description: "the action's receipt (GET /v1/receipts/{id})",
  }),
  note: Type.Union([Type.String(), Type.Null()]),
  acknowledgedAt: Type.Union([Type.String(), Type.Null()]),
  acknowledgedBy: Type.Union([Type.String(), Type.Null()]),
  resolvedAt: Type.Union([Type.String(), Type.Null()]),
  resolvedBy: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export const DetectorSchema = Type.Object({
  id: Type.String(),
  severity: Type.String(),
  description: Type.String(),
  mode: Type.String(),
  modes: Type.Array(Type.String()),
  learningPeriod: Type.String(),
  params: Type.Record(Type.String(), Type.Number()),
  updatedAt: Type.Union([Type.String(), Type.Null()]),
  updatedBy: Type.Union([Type.String(), Type.Null()]),
});

export const DetectorIdParam = Type.Object({
  id: Type.String({ pattern: "^[a-z_]{1,64}$", description: `one of ${DETECTOR_IDS.join(", ")}` }),
});

export const ModeSchema = Type.Union(MODES.map((m) => Type.Literal(m)));
