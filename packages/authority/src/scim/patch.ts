/**
 * SCIM PATCH (RFC 7644 3.5.2) on a User, in the shapes identity providers send:
 * - Entra ID: `{ op: "Replace", path: "active", value: "False" }` (capitalised op, string
 *   booleans), `name.givenName`, `emails[type eq "work"].value`;
 * - Okta: `{ op: "replace", value: { active: false } }` (no path, a value object).
 * The result is checked as a whole User body afterwards. Attributes Tessera does not keep (the
 * enterprise extension, phone numbers, ...) are ignored, as the RFC allows.
 */
import { ScimError } from "./errors.js";
import { parseFilter } from "./filter.js";
import { matchesFilter } from "./filter-match.js";
import { type ScimUserInput, userInputOf } from "./user.js";

export const SCIM_PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

type Doc = Record<string, unknown>;
type OpKind = "add" | "replace" | "remove";

/** Attributes Tessera keeps, by their lower-case name. */
const KEPT: Record<string, string> = {
  username: "userName",
  active: "active",
  displayname: "displayName",
  externalid: "externalId",
  name: "name",
  emails: "emails",
};
const NAME_PARTS: Record<string, string> = { givenname: "givenName", familyname: "familyName", formatted: "formatted" };
const EMAIL_PARTS: Record<string, string> = { value: "value", type: "type", primary: "primary" };

function setPlain(doc: Doc, path: string, kind: OpKind, value: unknown): void {
  const [head = "", sub] = path.replace(/^urn:ietf:params:scim:schemas:core:2\.0:User:/i, "").split(".");
  const attribute = KEPT[head.toLowerCase()];
  if (!attribute) return; // not kept: ignored
  if (sub === undefined) {
    if (kind === "remove") {
      if (attribute === "userName" || attribute === "active") {
        throw new ScimError(400, `${attribute} cannot be removed`, "mutability");
      }
      delete doc[attribute];
    } else if (attribute === "emails" && kind === "add" && Array.isArray(doc.emails) && Array.isArray(value)) {
      doc.emails = [...doc.emails, ...value];
    } else if (attribute === "name" && typeof value === "object" && value !== null && kind === "add") {
      doc.name = { ...(doc.name as Doc | undefined), ...(value as Doc) };
    } else {
      doc[attribute] = value;
    }
    return;
  }
  const part = attribute === "name" ? NAME_PARTS[sub.toLowerCase()] : undefined;
  if (!part) return;
  const name = { ...((doc.name as Doc | undefined) ?? {}) };
  if (kind === "remove") delete name[part];
  else name[part] = value;
  doc.name = name;
}

/** The kept parts of an email object a client sent (nothing else is copied anywhere). */
function emailParts(value: unknown): Doc {
  if (typeof value !== "object" || value === null) return {};
  const parts: Doc = {};
  for (const [key, part] of Object.entries(value)) {
    const kept = EMAIL_PARTS[key.toLowerCase()];
    if (kept) parts[kept] = part;
  }
  return parts;
}

/** `emails[type eq "work"].value` and `emails[type eq "work"]`. */
function setInEmails(doc: Doc, path: string, kind: OpKind, value: unknown): void {
  const match = /^emails\[(.+)\](?:\.(\w+))?$/i.exec(path);
  if (!match) throw new ScimError(400, `path ${path} is not supported`, "invalidPath");
  const filter = parseFilter(match[1] as string);
  const sub = match[2] === undefined ? undefined : EMAIL_PARTS[match[2].toLowerCase()];
  if (match[2] !== undefined && sub === undefined) return; // a sub-attribute not kept: ignored
  const emails = (Array.isArray(doc.emails) ? doc.emails : []) as Doc[];
  const matching = emails.filter((email) => matchesFilter(email, filter));
  if (kind === "remove") {
    doc.emails = emails.filter((email) => !matching.includes(email));
    return;
  }
  if (matching.length === 0) {
    // Adding the first work address: the filter's `type eq "..."` says which type it is.
    const type = filter.kind === "compare" && filter.path[0] === "type" ? filter.value : undefined;
    const created: Doc = typeof type === "string" ? { type } : {};
    if (sub) created[sub] = value;
    else Object.assign(created, emailParts(value));
    doc.emails = [...emails, created];
    return;
  }
  doc.emails = emails.map((email) =>
    matching.includes(email) ? (sub ? { ...email, [sub]: value } : { ...email, ...emailParts(value) }) : email,
  );
}

function applyOperation(doc: Doc, operation: unknown): void {
  if (typeof operation !== "object" || operation === null) {
    throw new ScimError(400, "every operation must be an object { op, path?, value? }", "invalidSyntax");
  }
  const { op, path, value } = operation as { op?: unknown; path?: unknown; value?: unknown };
  const kind = typeof op === "string" ? op.toLowerCase() : "";
  if (kind !== "add" && kind !== "replace" && kind !== "remove") {
    throw new ScimError(400, `op must be add, replace or remove, not ${String(op)}`, "invalidSyntax");
  }
  if (path === undefined || path === null || path === "") {
    if (kind === "remove") throw new ScimError(400, "remove needs a path", "noTarget");
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new ScimError(400, "an operation without a path needs an object value", "invalidValue");
    }
    for (const [name, v] of Object.entries(value)) setPlain(doc, name, kind, v);
    return;
  }
  if (typeof path !== "string") throw new ScimError(400, "path must be a string", "invalidPath");
  if (path.includes("[")) setInEmails(doc, path, kind, value);
  else setPlain(doc, path, kind, value);
}

/** `current` with the PatchOp `body` applied, checked as a whole User. */
export function applyPatch(current: ScimUserInput, body: unknown): ScimUserInput {
  if (typeof body !== "object" || body === null) throw new ScimError(400, "expected a SCIM PatchOp", "invalidSyntax");
  const { schemas, Operations } = body as { schemas?: unknown; Operations?: unknown };
  if (!Array.isArray(schemas) || !schemas.includes(SCIM_PATCH_SCHEMA)) {
    throw new ScimError(400, `schemas must include ${SCIM_PATCH_SCHEMA}`, "invalidSyntax");
  }
  if (!Array.isArray(Operations) || Operations.length === 0 || Operations.length > 100) {
    throw new ScimError(400, "Operations must list 1 to 100 operations", "invalidSyntax");
  }
  const doc: Doc = structuredClone(current) as unknown as Doc;
  for (const operation of Operations) applyOperation(doc, operation);
  return userInputOf(doc);
}
