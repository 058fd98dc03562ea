/**
 * Step-up: a second factor (TOTP, recovery codes) and a justification for dangerous actions.
 * The one entry other features use.
 */
export { StepUpSchema } from "./schema.js";
export { createStepUpService, type StepUpService, type TotpEnrolment, type TotpStatus } from "./service.js";
export type { SelectorStepUp, StepUpInput, StepUpProof } from "./types.js";
export { upgradeRecoveryCodes } from "./upgrade-recovery-codes.js";
