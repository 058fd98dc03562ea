/**
 * SCIM's own errors (RFC 7644 3.12): an HTTP status, a `scimType` where the RFC names one
 * (`invalidFilter`, `invalidValue`, `uniqueness`, `mutability`, `invalidSyntax`, `noTarget`,
 * `invalidPath`, `tooMany`) and a detail that says what to send instead.
 */
export type ScimType =
  | "invalidFilter"
  | "invalidValue"
  | "uniqueness"
  | "mutability"
  | "invalidSyntax"
  | "noTarget"
  | "invalidPath"
  | "tooMany";

export class ScimError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly scimType?: ScimType,
  ) {
    super(message);
    this.name = "ScimError";
  }
}

export const isScimError = (error: unknown): error is ScimError => error instanceof ScimError;

export const SCIM_ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";

/** The body of a SCIM error answer. */
export function scimErrorBody(status: number, detail: string, scimType?: ScimType) {
  return { schemas: [SCIM_ERROR_SCHEMA], status: String(status), detail, ...(scimType ? { scimType } : {}) };
}
