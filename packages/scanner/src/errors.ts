/** Stable codes of scanner faults; callers switch on `code`. */
export type ScanErrorCode =
  | "invalid_option"
  | "not_a_repository"
  | "git_missing"
  | "git_failed"
  | "path_not_found"
  | "invalid_config"
  | "invalid_baseline"
  | "invalid_state"
  | "authority_unreachable"
  | "authority_error"
  | "authority_bad_response";

/** The one error type of the scanner. Expected outcomes (findings) are values, not errors. */
export class ScanError extends Error {
  readonly code: ScanErrorCode;

  constructor(code: ScanErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ScanError";
    this.code = code;
  }
}
