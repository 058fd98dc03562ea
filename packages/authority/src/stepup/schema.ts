/**
 * The body field a guarded endpoint adds (`stepUp: Type.Optional(StepUpSchema)`), so that
 * every dangerous action takes its second factor and justification in the same shape.
 */
import { Type } from "@sinclair/typebox";

export const StepUpSchema = Type.Object(
  {
    otp: Type.String({
      minLength: 6,
      maxLength: 32,
      description: "A current 6-digit TOTP code of the caller's principal, or one of its unused recovery codes.",
      examples: ["123456"],
    }),
    justification: Type.String({
      minLength: 1,
      maxLength: 1024,
      description: "Why this action is needed: recorded in the audit trail with the action.",
    }),
  },
  { additionalProperties: false, description: "Step-up proof for a dangerous action (see docs/step-up.md)." },
);
