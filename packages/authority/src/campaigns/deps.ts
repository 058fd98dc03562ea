/**
 * What campaigns need from capabilities built beside them: the step-up check (a second factor
 * and a justification) and secret distribution by webhook. Passed in, never imported, so the
 * service runs with whichever implementations the authority wires.
 */
import type { UnitOfWork } from "../db/transaction.js";
import type { Actor } from "../domain/actor.js";

/** The step-up answer a caller sends with execute and finalize. */
export interface StepUpInput {
  otp: string;
  justification: string;
}

export interface StepUpGate {
  /**
   * Checks the caller's second factor for `action`; throws a TesseraError when it is missing or
   * wrong. Answers the method used and the justification, both kept in the audit record.
   */
  require(
    actor: Actor,
    input: StepUpInput | undefined,
    action: string,
  ): Promise<{ method: string; justification: string }>;
}

export interface SecretDelivery {
  owner: string;
  keyId: string;
  /** The new secret: the distributor must never log or store it in plaintext. */
  secret: string;
  campaignId: string;
}

export interface SecretDistributor {
  /** Queues the secret for the owner's webhook endpoints, in the caller's transaction. */
  enqueueSecret(unit: UnitOfWork, delivery: SecretDelivery): Promise<{ endpoints: number }>;
}
