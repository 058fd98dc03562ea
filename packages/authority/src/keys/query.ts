/**
 * Filters over API keys, shared by the inventory (list) and revocation by selector, so that
 * "what you see" and "what you revoke" mean the same thing.
 */
import { type Expression, type ExpressionBuilder, type SqlBool, sql } from "kysely";
import type { Schema } from "../db/schema.js";
import type { KeyState } from "../domain/keys.js";

export interface KeySelector {
  principalId?: string;
  owner?: string;
  scope?: string;
  /** Epoch ms, exclusive. */
  createdBefore?: number;
  /** Epoch ms, inclusive. */
  createdAfter?: number;
  ids?: string[];
  /** Keys whose start (prefix and first characters) begins with this. */
  startsWith?: string;
  /** Every key: an explicit choice, so that an empty selector never means "all" by accident. */
  all?: boolean;
}

export interface KeyInventoryFilter extends KeySelector {
  state?: KeyState;
  /** Only canary keys (true) or only real ones (false). */
  canary?: boolean;
  /** Not yet expired, but expiring before now + this many ms. */
  expiringWithinMs?: number;
  /** Last used before this time (epoch ms); never-used keys are not included. */
  lastUsedBefore?: number;
  neverUsed?: boolean;
}

/** LIKE pattern that matches `"scope"` inside the stored JSON array, exactly. */
function scopeLikePattern(scope: string): string {
  return `%${JSON.stringify(scope).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function selectorIsEmpty(s: KeySelector): boolean {
  return (
    s.all !== true &&
    s.principalId === undefined &&
    s.owner === undefined &&
    s.scope === undefined &&
    s.createdBefore === undefined &&
    s.createdAfter === undefined &&
    s.startsWith === undefined &&
    (s.ids === undefined || s.ids.length === 0)
  );
}

export function keyFilterExpression(
  eb: ExpressionBuilder<Schema, "api_keys">,
  filter: KeyInventoryFilter,
  now: number,
): Expression<SqlBool> {
  const parts: Expression<SqlBool>[] = [];
  if (filter.principalId !== undefined) parts.push(eb("principal_id", "=", filter.principalId));
  if (filter.owner !== undefined) {
    parts.push(eb("principal_id", "in", eb.selectFrom("principals").select("id").where("owner", "=", filter.owner)));
  }
  if (filter.scope !== undefined) {
    parts.push(sql<SqlBool>`${sql.ref("scopes")} like ${scopeLikePattern(filter.scope)} escape '\\'`);
  }
  if (filter.createdBefore !== undefined) parts.push(eb("created_at", "<", filter.createdBefore));
  if (filter.createdAfter !== undefined) parts.push(eb("created_at", ">=", filter.createdAfter));
  if (filter.ids !== undefined) parts.push(filter.ids.length > 0 ? eb("id", "in", filter.ids) : eb.lit(false));
  if (filter.startsWith !== undefined) {
    parts.push(
      sql<SqlBool>`${sql.ref("start")} like ${`${filter.startsWith.replace(/[\\%_]/g, (c) => `\\${c}`)}%`} escape '\\'`,
    );
  }
  const notExpired = eb.or([eb("expires_at", "is", null), eb("expires_at", ">", now)]);
  const notSuspended = eb("suspended_at", "is", null);
  switch (filter.state) {
    case "active":
    case "deprecated":
      parts.push(eb("status", "=", filter.state), notExpired, notSuspended);
      break;
    case "suspended":
      parts.push(eb("status", "!=", "revoked"), notExpired, eb("suspended_at", "is not", null));
      break;
    case "revoked":
      parts.push(eb("status", "=", "revoked"));
      break;
    case "expired":
      parts.push(eb("status", "!=", "revoked"), eb("expires_at", "<=", now));
      break;
    default:
      break;
  }
  if (filter.expiringWithinMs !== undefined) {
    parts.push(
      eb("status", "!=", "revoked"),
      eb("expires_at", ">", now),
      eb("expires_at", "<=", now + filter.expiringWithinMs),
    );
  }
  if (filter.canary !== undefined) parts.push(eb("canary", "=", filter.canary ? 1 : 0));
  if (filter.lastUsedBefore !== undefined) parts.push(eb("last_used_at", "<", filter.lastUsedBefore));
  if (filter.neverUsed === true) parts.push(eb("last_used_at", "is", null));
  if (filter.neverUsed === false) parts.push(eb("last_used_at", "is not", null));
  return parts.length === 0 ? eb.lit(true) : eb.and(parts);
}
