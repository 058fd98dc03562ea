/**
 * Lifetime policies: the default and maximum lifetime of a key, by scope or by principal
 * kind, on top of the deployment-wide TESSERA_KEY_DEFAULT_TTL / TESSERA_KEY_MAX_TTL. The
 * tightest policy that matches wins, so a key carrying `billing:write` issued to a `user`
 * gets the shorter of the two limits.
 */
import type { PrincipalKind } from "../db/schema.js";
import { formatDuration, parseDuration } from "../duration.js";
import { TesseraError, validationFailed } from "../errors.js";

export interface LifetimeRule {
  /** Applies to keys carrying this scope. */
  scope?: string;
  /** Applies to keys of principals of this kind. */
  principalKind?: PrincipalKind;
  maxTtlMs?: number;
  defaultTtlMs?: number;
}

export interface EffectiveLifetime {
  defaultTtlMs: number;
  maxTtlMs: number;
  /** The rules that narrowed the deployment-wide limits, for error messages. */
  matched: LifetimeRule[];
}

export function effectiveLifetime(
  rules: readonly LifetimeRule[],
  global: { defaultTtlMs: number; maxTtlMs: number },
  subject: { scopes: readonly string[]; principalKind?: PrincipalKind | undefined },
): EffectiveLifetime {
  const matched = rules.filter(
    (r) =>
      (r.scope === undefined || subject.scopes.includes(r.scope)) &&
      (r.principalKind === undefined || r.principalKind === subject.principalKind),
  );
  const maxTtlMs = Math.min(global.maxTtlMs, ...matched.map((r) => r.maxTtlMs ?? Number.POSITIVE_INFINITY));
  const defaultTtlMs = Math.min(
    maxTtlMs,
    global.defaultTtlMs,
    ...matched.map((r) => r.defaultTtlMs ?? Number.POSITIVE_INFINITY),
  );
  return { defaultTtlMs, maxTtlMs, matched };
}

/**
 * Parses TESSERA_LIFETIME_POLICIES: a JSON array such as
 * `[{"scope":"billing:write","maxTtl":"7d","defaultTtl":"1d"},{"principalKind":"user","maxTtl":"30d"}]`.
 */
export function parseLifetimePolicies(text: string | undefined): LifetimeRule[] {
  if (text === undefined || text.trim() === "") return [];
  const field = "TESSERA_LIFETIME_POLICIES";
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw validationFailed(`${field} must be a JSON array of rules`, { field });
  }
  if (!Array.isArray(raw)) throw validationFailed(`${field} must be a JSON array of rules`, { field });
  return raw.map((entry, index) => {
    const where = `${field}[${index}]`;
    if (typeof entry !== "object" || entry === null) throw validationFailed(`${where} must be an object`, { field });
    const { scope, principalKind, maxTtl, defaultTtl, ...rest } = entry as Record<string, unknown>;
    if (Object.keys(rest).length > 0) {
      throw validationFailed(`${where} has unknown fields: ${Object.keys(rest).join(", ")}`, { field });
    }
    if (scope === undefined && principalKind === undefined) {
      throw validationFailed(`${where} needs a scope or a principalKind`, { field });
    }
    if (scope !== undefined && typeof scope !== "string")
      throw validationFailed(`${where}.scope must be a string`, { field });
    if (principalKind !== undefined && !["user", "service", "app"].includes(principalKind as string)) {
      throw validationFailed(`${where}.principalKind must be user, service or app`, { field });
    }
    if (maxTtl === undefined && defaultTtl === undefined) {
      throw validationFailed(`${where} needs maxTtl or defaultTtl`, { field });
    }
    const rule: LifetimeRule = {};
    if (scope !== undefined) rule.scope = scope as string;
    if (principalKind !== undefined) rule.principalKind = principalKind as PrincipalKind;
    if (maxTtl !== undefined) rule.maxTtlMs = parseDuration(String(maxTtl), `${where}.maxTtl`);
    if (defaultTtl !== undefined) rule.defaultTtlMs = parseDuration(String(defaultTtl), `${where}.defaultTtl`);
    return rule;
  });
}

/** A rotation's grace window may not outlast TESSERA_ROTATION_MAX_GRACE (single or campaign). */
export function assertGraceWithinPolicy(graceMs: number, maxGraceMs: number): void {
  if (graceMs > maxGraceMs) {
    throw new TesseraError(
      "expiry_exceeds_policy",
      `a rotation grace window may last at most ${formatDuration(maxGraceMs)}`,
      {
        details: { maxGrace: formatDuration(maxGraceMs) },
      },
    );
  }
}
