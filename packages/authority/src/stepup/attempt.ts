/**
 * One check of a second-factor code, inside the caller's unit of work so that its effects
 * (the step consumed, the recovery code spent, the failure counted) commit with the audit
 * record of the attempt.
 *
 * Across authority instances sharing PostgreSQL, attempts on one principal are serialised by
 * a row lock taken first; the replay check is also a conditional UPDATE whose row count says
 * whether this attempt, and no other, consumed the step.
 */

import type { MasterKey } from "../crypto/master-key.js";
import type { TotpEnrolmentsTable } from "../db/schema.js";
import type { UnitOfWork } from "../db/transaction.js";
import { hashRecoveryCode, normalizeRecoveryCode } from "./recovery-codes.js";
import { matchTotp } from "./totp.js";

/** Wrong or replayed codes a principal may send within {@link FAILURE_WINDOW_MS}. */
export const MAX_FAILURES = 5;
export const FAILURE_WINDOW_MS = 5 * 60_000;

export type AttemptOutcome =
  | { ok: true; method: "totp" | "recovery_code" }
  | { ok: false; reason: "wrong_code" | "replayed"; failures: number }
  | { ok: false; reason: "rate_limited"; failures: number; retryAfterMs: number };

export function secretContext(principalId: string): string {
  return `totp:${principalId}`;
}

/** Locks and reads a principal's enrolment (undefined when it has none). */
export async function lockEnrolment(unit: UnitOfWork, principalId: string): Promise<TotpEnrolmentsTable | undefined> {
  await unit.trx
    .updateTable("totp_enrolments")
    .set((eb) => ({ last_step: eb.ref("last_step") }))
    .where("principal_id", "=", principalId)
    .execute();
  return unit.trx.selectFrom("totp_enrolments").selectAll().where("principal_id", "=", principalId).executeTakeFirst();
}

/** Failures within the window, and when the oldest of them leaves it. */
async function recentFailures(
  unit: UnitOfWork,
  principalId: string,
): Promise<{ count: number; oldest: number | null }> {
  const row = await unit.trx
    .selectFrom("stepup_failures")
    .select((eb) => [eb.fn.countAll<number>().as("n"), eb.fn.min("at").as("oldest")])
    .where("principal_id", "=", principalId)
    .where("at", ">", unit.now - FAILURE_WINDOW_MS)
    .executeTakeFirstOrThrow();
  return { count: Number(row.n), oldest: row.oldest === null ? null : Number(row.oldest) };
}

async function consumeStep(unit: UnitOfWork, principalId: string, step: number): Promise<boolean> {
  const result = await unit.trx
    .updateTable("totp_enrolments")
    .set({ last_step: step, last_used_at: unit.now })
    .where("principal_id", "=", principalId)
    .where((eb) => eb.or([eb("last_step", "is", null), eb("last_step", "<", step)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

async function spendRecoveryCode(
  unit: UnitOfWork,
  masterKey: MasterKey,
  principalId: string,
  canonical: string,
): Promise<boolean> {
  const result = await unit.trx
    .updateTable("totp_recovery_codes")
    .set({ used_at: unit.now })
    .where("principal_id", "=", principalId)
    .where("code_hash", "=", hashRecoveryCode(masterKey, canonical))
    .where("used_at", "is", null)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) return false;
  await unit.trx
    .updateTable("totp_enrolments")
    .set({ last_used_at: unit.now })
    .where("principal_id", "=", principalId)
    .execute();
  return true;
}

/**
 * Checks `otp` against a locked enrolment: a TOTP code within one step of now that is newer
 * than the last accepted one, or (with `allowRecovery`) an unused recovery code. A failure
 * is counted; a success clears the count.
 */
export async function attemptCode(
  unit: UnitOfWork,
  masterKey: MasterKey,
  enrolment: TotpEnrolmentsTable,
  otp: string,
  options: { allowRecovery: boolean },
): Promise<AttemptOutcome> {
  const principalId = enrolment.principal_id;
  const recent = await recentFailures(unit, principalId);
  const failures = recent.count;
  if (failures >= MAX_FAILURES) {
    const retryAfterMs = Math.max(0, (recent.oldest ?? unit.now) + FAILURE_WINDOW_MS - unit.now);
    return { ok: false, reason: "rate_limited", failures, retryAfterMs };
  }

  let outcome: AttemptOutcome | null = null;
  const digits = otp.replace(/\s/g, "");
  if (/^\d{6}$/.test(digits)) {
    const secret = masterKey.decrypt(enrolment.secret_enc, secretContext(principalId));
    const step = matchTotp(secret, digits, unit.now);
    secret.fill(0);
    if (step !== null) {
      outcome = (await consumeStep(unit, principalId, step))
        ? { ok: true, method: "totp" }
        : { ok: false, reason: "replayed", failures: failures + 1 };
    }
  } else if (options.allowRecovery) {
    const canonical = normalizeRecoveryCode(otp);
    if (canonical !== null && (await spendRecoveryCode(unit, masterKey, principalId, canonical))) {
      outcome = { ok: true, method: "recovery_code" };
    }
  }
  outcome ??= { ok: false, reason: "wrong_code", failures: failures + 1 };

  if (outcome.ok) {
    await unit.trx.deleteFrom("stepup_failures").where("principal_id", "=", principalId).execute();
  } else {
    await unit.trx
      .deleteFrom("stepup_failures")
      .where("principal_id", "=", principalId)
      .where("at", "<=", unit.now - FAILURE_WINDOW_MS)
      .execute();
    await unit.trx.insertInto("stepup_failures").values({ principal_id: principalId, at: unit.now }).execute();
  }
  return outcome;
}
