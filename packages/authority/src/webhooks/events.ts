/**
 * The webhook event list, and subscription patterns over it. Pure: no I/O.
 * docs/webhooks.md documents every event and its data; keep the two in step.
 */
import { validationFailed } from "../errors.js";

/** Events that come from the change log (every authority change that a receiver may care about). */
export const CHANGE_EVENT_TYPES = [
  "key.issued",
  "key.rotated",
  "key.revoked",
  "key.suspended",
  "key.resumed",
  "key.expiring",
  "key.expired",
  "principal.disabled",
  "leak.reported",
  "campaign.created",
  "campaign.executed",
  "campaign.finalized",
  "campaign.rolled_back",
  "finding.opened",
] as const;

/**
 * Carries a new secret in its signed body. Never matched by a wildcard: an endpoint receives
 * it only when it names it, and only for its own owner.
 */
export const SECRET_EVENT_TYPE = "key.secret_distributed";

/** Sent by `POST /v1/webhooks/{id}/test` to that endpoint alone, whatever it subscribes to. */
export const TEST_EVENT_TYPE = "webhook.test";

export const SUBSCRIBABLE_EVENT_TYPES: readonly string[] = [...CHANGE_EVENT_TYPES, SECRET_EVENT_TYPE];

const PATTERN = /^(\*|[a-z_]+\.\*|[a-z_]+\.[a-z_]+)$/;

/** Validates, de-duplicates and sorts subscription patterns: event names, `prefix.*` or `*`. */
export function normalizeEventPatterns(patterns: readonly string[]): string[] {
  if (patterns.length === 0)
    throw validationFailed("events must name at least one event or pattern", { field: "events" });
  if (patterns.length > 50) throw validationFailed("events may hold at most 50 entries", { field: "events" });
  for (const pattern of patterns) {
    const known = PATTERN.test(pattern) && SUBSCRIBABLE_EVENT_TYPES.some((type) => patternMatches(pattern, type));
    if (!known) {
      throw validationFailed(
        `events: "${pattern.slice(0, 64)}" names no event (see docs/webhooks.md: ${SUBSCRIBABLE_EVENT_TYPES.join(", ")}, prefix.* or *)`,
        { field: "events", event: pattern.slice(0, 128) },
      );
    }
  }
  return [...new Set(patterns)].sort();
}

function patternMatches(pattern: string, type: string): boolean {
  if (type === SECRET_EVENT_TYPE) return pattern === SECRET_EVENT_TYPE;
  if (pattern === "*") return true;
  if (pattern.endsWith(".*")) return type.startsWith(pattern.slice(0, -1));
  return pattern === type;
}

/** Whether an endpoint subscribed to `patterns` receives events of `type`. */
export function subscribes(patterns: readonly string[], type: string): boolean {
  return patterns.some((pattern) => patternMatches(pattern, type));
}
