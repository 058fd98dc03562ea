/**
 * Step-up authentication: a principal's TOTP second factor (enrolment, activation, removal)
 * and the guard dangerous actions call, `require(actor, input, action)`, which answers with
 * the proof to record in the action's audit data or throws:
 * - no input: `step_up_required` (details `{ action, enrolled }`);
 * - a wrong or replayed code: `step_up_failed`; too many of them: `rate_limited`;
 * - a missing or overlong justification: `validation_failed`.
 * Every attempt is audited (`stepup.verified` / `stepup.failed`), never with the code.
 */
import { randomBytes } from "node:crypto";
import type { ServiceContext } from "../context.js";
import { runUnitOfWork, type UnitOfWork } from "../db/transaction.js";
import type { Actor } from "../domain/actor.js";
import { notFound, TesseraError, validationFailed } from "../errors.js";
import {
  type AttemptOutcome,
  attemptCode,
  FAILURE_WINDOW_MS,
  lockEnrolment,
  MAX_FAILURES,
  secretContext,
} from "./attempt.js";
import { generateRecoveryCodes, hashRecoveryCode, normalizeRecoveryCode } from "./recovery-codes.js";
import { base32Encode, otpauthUri } from "./totp.js";
import type { SelectorStepUp, StepUpInput, StepUpProof } from "./types.js";

export const TOTP_ISSUER = "Tessera";
export const MAX_JUSTIFICATION_LENGTH = 1024;

export interface TotpEnrolment {
  status: "pending";
  /** base32: shown once, for authenticators that cannot scan the URI. */
  secret: string;
  otpauthUri: string;
  /** Shown once; each works once in place of a TOTP code. */
  recoveryCodes: string[];
}

export interface TotpStatus {
  status: "none" | "pending" | "active";
  createdAt: string | null;
  activatedAt: string | null;
  lastUsedAt: string | null;
  recoveryCodesLeft: number;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function isSystemActor(actor: Actor): boolean {
  return actor.id.startsWith("system:");
}

function checkJustification(text: string | undefined): string {
  const trimmed = (text ?? "").trim();
  if (trimmed.length === 0) {
    throw validationFailed("stepUp.justification is required: say why", { field: "stepUp.justification" });
  }
  if (trimmed.length > MAX_JUSTIFICATION_LENGTH) {
    throw validationFailed(`stepUp.justification must be at most ${MAX_JUSTIFICATION_LENGTH} characters`, {
      field: "stepUp.justification",
    });
  }
  return trimmed;
}

/** The error a failed attempt answers with (after its audit record has committed). */
function attemptError(outcome: Extract<AttemptOutcome, { ok: false }>, action: string): TesseraError {
  if (outcome.reason === "rate_limited") {
    return new TesseraError(
      "rate_limited",
      `too many wrong second-factor codes: at most ${MAX_FAILURES} per ${FAILURE_WINDOW_MS / 60_000} minutes`,
      { details: { action, retryAfterSeconds: Math.ceil(outcome.retryAfterMs / 1000) } },
    );
  }
  return new TesseraError(
    "step_up_failed",
    outcome.reason === "replayed"
      ? "this code was already used: wait for the next one"
      : "the second-factor code is not valid",
    { details: { action, reason: outcome.reason } },
  );
}

function stepUpRequired(action: string, enrolled: boolean): TesseraError {
  return new TesseraError(
    "step_up_required",
    enrolled
      ? `${action} needs step-up: send stepUp { otp, justification } (CLI: --otp and --justification)`
      : `${action} needs step-up, and the caller's principal has no active TOTP: enrol first (POST /v1/me/totp, tessera totp enrol)`,
    { details: { action, enrolled } },
  );
}

async function audit(unit: UnitOfWork, actor: Actor, action: string, data: Record<string, unknown>, reason?: string) {
  await unit.appendAudit({
    actor: actor.id,
    action,
    targetType: "principal",
    targetId: actor.id,
    reason: reason ?? null,
    requestId: actor.requestId ?? null,
    data,
  });
}

async function principalName(ctx: ServiceContext, principalId: string): Promise<string> {
  const { db } = ctx;
  const row = await db.selectFrom("principals").select("name").where("id", "=", principalId).executeTakeFirst();
  if (!row) throw notFound("principal", principalId);
  return row.name;
}

/** Starts (or restarts, while pending) the enrolment of the caller's own principal. */
async function enrol(ctx: ServiceContext, actor: Actor): Promise<TotpEnrolment> {
  const { db, clock, config, commitListener } = ctx;
  if (isSystemActor(actor)) throw new TesseraError("forbidden", "system actors have no second factor");
  const name = await principalName(ctx, actor.id);
  const secret = randomBytes(20);
  const recoveryCodes = generateRecoveryCodes();
  await runUnitOfWork({ db, clock, commitListener }, async (unit) => {
    const existing = await lockEnrolment(unit, actor.id);
    if (existing?.status === "active") {
      throw new TesseraError(
        "conflict",
        "TOTP is already active for this principal: remove it first (DELETE /v1/me/totp with a current code)",
      );
    }
    await unit.trx.deleteFrom("totp_recovery_codes").where("principal_id", "=", actor.id).execute();
    await unit.trx.deleteFrom("totp_enrolments").where("principal_id", "=", actor.id).execute();
    await unit.trx
      .insertInto("totp_enrolments")
      .values({
        principal_id: actor.id,
        secret_enc: config.masterKey.encrypt(secret, secretContext(actor.id)),
        status: "pending",
        created_at: unit.now,
        activated_at: null,
        last_step: null,
        last_used_at: null,
      })
      .execute();
    await unit.trx
      .insertInto("totp_recovery_codes")
      .values(
        recoveryCodes.map((code) => ({
          principal_id: actor.id,
          code_hash: hashRecoveryCode(config.masterKey, normalizeRecoveryCode(code) as string),
          used_at: null,
        })),
      )
      .execute();
    await audit(unit, actor, "totp.enrolment_started", {
      restarted: existing !== undefined,
      recoveryCodes: recoveryCodes.length,
    });
  });
  const enrolment: TotpEnrolment = {
    status: "pending",
    secret: base32Encode(secret),
    otpauthUri: otpauthUri(secret, TOTP_ISSUER, name),
    recoveryCodes,
  };
  secret.fill(0);
  return enrolment;
}

/**
 * Runs one attempt in its own transaction; the audit record of a failure commits before the
 * error is thrown, so a refused code is on record and counts towards the rate limit.
 */
async function attempt<T>(
  ctx: ServiceContext,
  actor: Actor,
  action: string,
  load: (unit: UnitOfWork) => Promise<{ enrolment: Parameters<typeof attemptCode>[2]; allowRecovery: boolean }>,
  otp: string,
  onSuccess: (unit: UnitOfWork, method: "totp" | "recovery_code") => Promise<T>,
): Promise<T> {
  const { db, clock, config, commitListener } = ctx;
  const result = await runUnitOfWork({ db, clock, commitListener }, async (unit) => {
    const { enrolment, allowRecovery } = await load(unit);
    const outcome = await attemptCode(unit, config.masterKey, enrolment, otp, { allowRecovery });
    if (!outcome.ok) {
      await audit(unit, actor, "stepup.failed", { action, reason: outcome.reason, failures: outcome.failures });
      return { outcome } as const;
    }
    return { outcome, value: await onSuccess(unit, outcome.method) } as const;
  });
  if (!result.outcome.ok) throw attemptError(result.outcome, action);
  return result.value as T;
}

/** Confirms a pending enrolment with a first code from the authenticator. */
async function activate(ctx: ServiceContext, actor: Actor, otp: string): Promise<TotpStatus> {
  await attempt(
    ctx,
    actor,
    "totp.activate",
    async (unit) => {
      const enrolment = await lockEnrolment(unit, actor.id);
      if (!enrolment) throw new TesseraError("not_found", "no TOTP enrolment: start one with POST /v1/me/totp");
      if (enrolment.status === "active") throw new TesseraError("conflict", "TOTP is already active");
      return { enrolment, allowRecovery: false };
    },
    otp,
    async (unit) => {
      await unit.trx
        .updateTable("totp_enrolments")
        .set({ status: "active", activated_at: unit.now })
        .where("principal_id", "=", actor.id)
        .execute();
      await audit(unit, actor, "totp.activated", {});
    },
  );
  return status(ctx, actor);
}

/** Removes the caller's TOTP (pending or active) with a current code or a recovery code. */
async function remove(ctx: ServiceContext, actor: Actor, otp: string): Promise<TotpStatus> {
  await attempt(
    ctx,
    actor,
    "totp.remove",
    async (unit) => {
      const enrolment = await lockEnrolment(unit, actor.id);
      if (!enrolment) throw new TesseraError("not_found", "no TOTP enrolment to remove");
      return { enrolment, allowRecovery: true };
    },
    otp,
    async (unit, method) => {
      await unit.trx.deleteFrom("totp_recovery_codes").where("principal_id", "=", actor.id).execute();
      await unit.trx.deleteFrom("totp_enrolments").where("principal_id", "=", actor.id).execute();
      await unit.trx.deleteFrom("stepup_failures").where("principal_id", "=", actor.id).execute();
      await audit(unit, actor, "totp.removed", { method });
    },
  );
  return status(ctx, actor);
}

async function status(ctx: ServiceContext, actor: Actor): Promise<TotpStatus> {
  const { db } = ctx;
  const enrolment = await db
    .selectFrom("totp_enrolments")
    .selectAll()
    .where("principal_id", "=", actor.id)
    .executeTakeFirst();
  if (!enrolment) {
    return { status: "none", createdAt: null, activatedAt: null, lastUsedAt: null, recoveryCodesLeft: 0 };
  }
  const left = await db
    .selectFrom("totp_recovery_codes")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("principal_id", "=", actor.id)
    .where("used_at", "is", null)
    .executeTakeFirstOrThrow();
  return {
    status: enrolment.status,
    createdAt: iso(enrolment.created_at),
    activatedAt: iso(enrolment.activated_at),
    lastUsedAt: iso(enrolment.last_used_at),
    recoveryCodesLeft: Number(left.n),
  };
}

/**
 * The guard of a dangerous action. `action` names it in errors and audit records
 * (e.g. `keys.revoke_by_selector`, `campaign.execute`, `signing_key.retire`).
 */
async function requireStepUp(
  ctx: ServiceContext,
  actor: Actor,
  input: StepUpInput | undefined,
  action: string,
): Promise<StepUpProof> {
  const { db, clock, commitListener } = ctx;
  if (isSystemActor(actor)) {
    return { method: "system", justification: input?.justification.trim() || `automated action of ${actor.id}` };
  }
  if (input === undefined) {
    const enrolled = await runUnitOfWork({ db, clock, commitListener }, async (unit) => {
      const enrolment = await unit.trx
        .selectFrom("totp_enrolments")
        .select("status")
        .where("principal_id", "=", actor.id)
        .executeTakeFirst();
      await audit(unit, actor, "stepup.failed", { action, reason: "missing" });
      return enrolment?.status === "active";
    });
    throw stepUpRequired(action, enrolled);
  }
  const justification = checkJustification(input.justification);
  const method = await attempt(
    ctx,
    actor,
    action,
    async (unit) => {
      const enrolment = await lockEnrolment(unit, actor.id);
      if (enrolment?.status !== "active") throw stepUpRequired(action, false);
      return { enrolment, allowRecovery: true };
    },
    input.otp,
    async (unit, method) => {
      await audit(unit, actor, "stepup.verified", { action, method, justification }, justification);
      return method;
    },
  );
  return { method, justification };
}

export function createStepUpService(ctx: ServiceContext) {
  const require = (actor: Actor, input: StepUpInput | undefined, action: string) =>
    requireStepUp(ctx, actor, input, action);
  return {
    /** Starts (or restarts, while pending) the enrolment of the caller's own principal. */
    enrol: (actor: Actor) => enrol(ctx, actor),
    /** Confirms a pending enrolment with a first code from the authenticator. */
    activate: (actor: Actor, otp: string) => activate(ctx, actor, otp),
    /** Removes the caller's TOTP (pending or active) with a current code or a recovery code. */
    remove: (actor: Actor, otp: string) => remove(ctx, actor, otp),
    status: (actor: Actor) => status(ctx, actor),
    /** The guard of a dangerous action: see requireStepUp. */
    require,
    /** Step-up for revocation by selector, above TESSERA_STEPUP_SELECTOR_THRESHOLD keys. */
    forSelectorRevocation: (actor: Actor, input: StepUpInput | undefined): SelectorStepUp => ({
      threshold: ctx.config.stepUpSelectorThreshold,
      require: () => require(actor, input, "keys.revoke_by_selector"),
    }),
  };
}

export type StepUpService = ReturnType<typeof createStepUpService>;
