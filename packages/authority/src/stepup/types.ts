/** The shapes other services and endpoints use to ask for, and record, step-up proof. */

/** What a caller sends with a dangerous action: a second factor and why. */
export interface StepUpInput {
  /** A current 6-digit TOTP code, or an unused recovery code. */
  otp: string;
  /** Why the action is needed: recorded in the audit trail with the action. */
  justification: string;
}

/** What a passed step-up proves: record both fields in the guarded action's audit data. */
export interface StepUpProof {
  /** `system` for the authority's own jobs (`system:*` actors), which have no second factor. */
  method: "totp" | "recovery_code" | "system";
  justification: string;
}

/**
 * Step-up for revocation by selector: when more than `threshold` not-yet-revoked keys match,
 * `require` must produce proof (it verifies the caller's code or throws).
 */
export interface SelectorStepUp {
  threshold: number;
  require(): Promise<StepUpProof>;
}
