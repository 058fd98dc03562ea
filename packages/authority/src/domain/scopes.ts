/**
 * Scopes: what a credential may do. Admin scopes are the authority's own; every other scope
 * belongs to the services that verify the credential and means nothing to Tessera itself.
 */
import { TesseraError, validationFailed } from "../errors.js";

/** The scopes that govern the authority's own admin API. */
export const ADMIN_SCOPES = [
  "keys:read",
  "keys:write",
  "keys:revoke",
  "principals:read",
  "principals:write",
  "audit:read",
  "introspect",
  "feed:read",
  "leaks:check",
  "leaks:report",
  "signing-keys:write",
  "webhooks:read",
  "webhooks:write",
  "ssf:read",
  "ssf:write",
] as const;

export type AdminScope = (typeof ADMIN_SCOPES)[number];

const ADMIN_SCOPE_SET: ReadonlySet<string> = new Set(ADMIN_SCOPES);

export function isAdminScope(scope: string): scope is AdminScope {
  return ADMIN_SCOPE_SET.has(scope);
}

/** Letters, digits and `: . _ - /`, 1 to 128 characters: no spaces (OAuth joins scopes with one). */
export const SCOPE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9:._\-/]{0,127}$/;

/** Validates, de-duplicates and sorts a scope list. */
export function normalizeScopes(scopes: readonly string[], field = "scopes"): string[] {
  if (scopes.length > 100) throw validationFailed(`${field} may hold at most 100 scopes`, { field });
  for (const scope of scopes) {
    if (!SCOPE_PATTERN.test(scope)) {
      throw validationFailed(
        `${field}: "${scope.slice(0, 64)}" is not a valid scope (letters, digits and : . _ - /, up to 128 characters)`,
        { field, scope: scope.slice(0, 128) },
      );
    }
  }
  return [...new Set(scopes)].sort();
}

/** Throws `scope_not_allowed` naming the scopes of `requested` that `allowed` lacks. */
export function assertScopesWithin(requested: readonly string[], allowed: readonly string[], what: string): void {
  const allowedSet = new Set(allowed);
  const outside = requested.filter((s) => !allowedSet.has(s));
  if (outside.length > 0) {
    throw new TesseraError("scope_not_allowed", `${what} does not allow: ${outside.join(", ")}`, {
      details: { notAllowed: outside },
    });
  }
}

/** The admin scopes among `scopes`. */
export function adminScopesOf(scopes: Iterable<string>): string[] {
  return [...scopes].filter(isAdminScope);
}

/**
 * The escalation rule, on every path that issues, restores or hands out a credential: a caller
 * never causes a credential to exist, or receives a secret, with an admin scope it does not hold
 * itself. So `keys:write` alone cannot rotate the root key into a secret it can read, and
 * `principals:write` alone cannot mint a principal allowed `keys:write`. Throws
 * `scope_escalation` (403) naming the scopes the caller lacks.
 */
export function assertNoAdminEscalation(
  granted: Iterable<string>,
  callerScopes: ReadonlySet<string>,
  what = "you cannot grant admin scopes you do not hold",
): void {
  const escalated = [...new Set(adminScopesOf(granted))].filter((s) => !callerScopes.has(s)).sort();
  if (escalated.length > 0) {
    throw new TesseraError("scope_escalation", `${what}: ${escalated.join(", ")}`, {
      details: { notHeld: escalated },
    });
  }
}

/**
 * The escalation rule for who a new admin key acts as: a key holding an admin scope authenticates
 * as its principal on the admin API (it can set the principal's second factor, and its actions are
 * audited under the principal), so a caller may issue or rotate such a key only for a principal
 * allowed no admin scope the caller lacks. Otherwise `keys:write` alone could mint a `keys:write`
 * key of the root principal and enrol the root's TOTP. Keys holding no admin scope cannot use the
 * admin API, so they are not checked. Throws `scope_escalation` (403).
 */
export function assertMayIssueFor(
  principalId: string,
  principalAllowedScopes: string,
  newKeyScopes: readonly string[],
  callerScopes: ReadonlySet<string>,
): void {
  if (!newKeyScopes.some(isAdminScope)) return;
  assertNoAdminEscalation(
    JSON.parse(principalAllowedScopes) as string[],
    callerScopes,
    `you cannot issue admin keys of principal ${principalId}: it is allowed admin scopes you do not hold`,
  );
}
