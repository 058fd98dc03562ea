/**
 * A SCIM User (RFC 7643 4.1) as Tessera keeps it: a principal of kind `user`. `userName` is the
 * principal's name (unique), `active` its status; `externalId`, `displayName`, `name` and
 * `emails` are kept in its metadata under `scim`. Other attributes an identity provider sends
 * (the enterprise extension, phone numbers, ...) are accepted and not stored, which RFC 7644
 * 3.3 allows.
 */
import type { PrincipalView } from "../domain/keys.js";
import { ScimError } from "./errors.js";

export const SCIM_USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";

export interface ScimEmail {
  value: string;
  type?: string;
  primary?: boolean;
}

/** The attributes kept in the principal's metadata (`metadata.scim`). */
export interface StoredScimAttributes {
  externalId?: string;
  displayName?: string;
  name?: { givenName?: string; familyName?: string; formatted?: string };
  emails?: ScimEmail[];
  /** Set by DELETE: the principal stays (disabled, for the audit trail) but SCIM no longer sees it. */
  deleted?: boolean;
}

/** What a client may write: the stored attributes, `userName` and `active`. */
export interface ScimUserInput extends StoredScimAttributes {
  userName: string;
  active: boolean;
}

export function storedOf(principal: PrincipalView): StoredScimAttributes {
  const scim = principal.metadata.scim;
  return typeof scim === "object" && scim !== null ? (scim as StoredScimAttributes) : {};
}

/** The SCIM representation of `principal`, with `meta.location` under `baseUrl`. */
export function toScimUser(principal: PrincipalView, baseUrl: string) {
  const { deleted: _deleted, ...stored } = storedOf(principal);
  return {
    schemas: [SCIM_USER_SCHEMA],
    id: principal.id,
    userName: principal.name,
    ...stored,
    active: principal.status === "active",
    meta: {
      resourceType: "User",
      created: principal.createdAt,
      lastModified: principal.updatedAt,
      location: `${baseUrl}/scim/v2/Users/${principal.id}`,
    },
  };
}

function optionalString(body: Record<string, unknown>, field: string, max = 256): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || value.length > max) {
    throw new ScimError(400, `${field} must be a string of at most ${max} characters`, "invalidValue");
  }
  return value;
}

/** A SCIM boolean: Entra ID sends "True"/"False" strings in PATCH values. */
export function scimBoolean(value: unknown, field: string): boolean {
  if (typeof value === "boolean") return value;
  if (typeof value === "string" && ["true", "false"].includes(value.toLowerCase())) {
    return value.toLowerCase() === "true";
  }
  throw new ScimError(400, `${field} must be true or false`, "invalidValue");
}

function emailsOf(value: unknown): ScimEmail[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.length > 20) {
    throw new ScimError(400, "emails must be a list of at most 20 { value, type?, primary? }", "invalidValue");
  }
  return value.map((item) => {
    const entry = (typeof item === "object" && item !== null ? item : {}) as Record<string, unknown>;
    const address = optionalString(entry, "value", 320);
    if (!address) throw new ScimError(400, "every email needs a value", "invalidValue");
    const type = optionalString(entry, "type", 64);
    return {
      value: address,
      ...(type ? { type } : {}),
      ...(entry.primary === undefined ? {} : { primary: scimBoolean(entry.primary, "emails.primary") }),
    };
  });
}

function nameOf(value: unknown): StoredScimAttributes["name"] {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object") throw new ScimError(400, "name must be an object", "invalidValue");
  const name = value as Record<string, unknown>;
  const parts = {
    givenName: optionalString(name, "givenName"),
    familyName: optionalString(name, "familyName"),
    formatted: optionalString(name, "formatted"),
  };
  return Object.fromEntries(Object.entries(parts).filter(([, v]) => v !== undefined));
}

/** A full User body (POST, PUT), checked; `active` defaults to true. */
export function userInputOf(body: unknown): ScimUserInput {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ScimError(400, "expected a SCIM User object", "invalidSyntax");
  }
  const record = body as Record<string, unknown>;
  const userName = optionalString(record, "userName", 200);
  if (!userName || userName.trim().length === 0) {
    throw new ScimError(400, "userName is required", "invalidValue");
  }
  const input: ScimUserInput = {
    userName: userName.trim(),
    active: record.active === undefined ? true : scimBoolean(record.active, "active"),
  };
  const externalId = optionalString(record, "externalId");
  const displayName = optionalString(record, "displayName");
  const name = nameOf(record.name);
  const emails = emailsOf(record.emails);
  return {
    ...input,
    ...(externalId === undefined ? {} : { externalId }),
    ...(displayName === undefined ? {} : { displayName }),
    ...(name === undefined ? {} : { name }),
    ...(emails === undefined ? {} : { emails }),
  };
}

/** The attributes of `input` that go to the principal's metadata. */
export function storedFrom(input: ScimUserInput): StoredScimAttributes {
  const { userName: _userName, active: _active, ...stored } = input;
  return stored;
}

/** A user input from what is stored now: what a PATCH starts from. */
export function inputFrom(principal: PrincipalView): ScimUserInput {
  const { deleted: _deleted, ...stored } = storedOf(principal);
  return { ...stored, userName: principal.name, active: principal.status === "active" };
}
