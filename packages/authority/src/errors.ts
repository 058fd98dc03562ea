/**
 * The one error type of the authority. Callers switch on `code`, which is stable and
 * documented (docs/errors.md); the message is for humans and may change.
 * HTTP statuses are assigned in one place: `http/error-handler.ts`.
 */
export type TesseraErrorCode =
  | "validation_failed"
  | "webhook_url_forbidden"
  | "invalid_json"
  | "invalid_url"
  | "url_too_long"
  | "headers_too_large"
  | "unsupported_media_type"
  | "payload_too_large"
  | "unauthenticated"
  | "forbidden"
  | "scope_escalation"
  | "not_found"
  | "conflict"
  | "scope_not_allowed"
  | "expiry_exceeds_policy"
  | "principal_disabled"
  | "key_not_active"
  | "key_not_suspended"
  | "principal_suspended"
  | "principal_not_suspended"
  | "rotation_not_open"
  | "selector_empty"
  | "campaign_empty"
  | "campaign_state"
  | "keys_in_use"
  | "no_distribution_channel"
  | "export_consumed"
  | "rate_limited"
  | "step_up_required"
  | "step_up_failed"
  | "address_in_use"
  | "database_url_invalid"
  | "database_unavailable"
  | "internal_error";

/** Options carried by a {@link TesseraError}. */
export interface TesseraErrorOptions {
  /** Safe, structured details shown to the caller (4xx only). Never put a secret here. */
  details?: Record<string, unknown>;
  cause?: unknown;
}

export class TesseraError extends Error {
  override readonly name = "TesseraError";
  readonly code: TesseraErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: TesseraErrorCode, message: string, options: TesseraErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
  }
}

export function isTesseraError(error: unknown): error is TesseraError {
  return error instanceof TesseraError;
}

/** Shorthand for the most common failure: input that does not pass validation. */
export function validationFailed(message: string, details?: Record<string, unknown>): TesseraError {
  return new TesseraError("validation_failed", message, details ? { details } : {});
}

export function notFound(what: string, id: string): TesseraError {
  return new TesseraError("not_found", `${what} ${id} does not exist`, { details: { id } });
}
