/**
 * Evaluating a parsed SCIM filter against a resource (plain JSON, as the API answers it).
 * Attribute names match case-insensitively; strings compare case-insensitively (no attribute
 * Tessera serves is caseExact except `id`, whose values are random, so this is harmless there).
 * A multi-valued attribute matches when any of its values does.
 */
import type { CompareOp, Filter, Literal } from "./filter.js";

type Json = unknown;

function child(value: Json, name: string): Json[] {
  if (Array.isArray(value)) return value.flatMap((item) => child(item, name));
  if (typeof value !== "object" || value === null) return [];
  const key = Object.keys(value).find((k) => k.toLowerCase() === name);
  if (key === undefined) return [];
  const found = (value as Record<string, Json>)[key];
  return Array.isArray(found) ? found : [found];
}

function valuesAt(resource: Json, path: readonly string[]): Json[] {
  let current: Json[] = [resource];
  for (const name of path) current = current.flatMap((v) => child(v, name));
  return current.filter((v) => v !== undefined && v !== null);
}

function compare(actual: Json, op: CompareOp, expected: Literal): boolean {
  if (typeof actual === "string" && typeof expected === "string") {
    const a = actual.toLowerCase();
    const e = expected.toLowerCase();
    if (op === "eq") return a === e;
    if (op === "ne") return a !== e;
    if (op === "co") return a.includes(e);
    if (op === "sw") return a.startsWith(e);
    if (op === "ew") return a.endsWith(e);
    return op === "gt" ? a > e : op === "ge" ? a >= e : op === "lt" ? a < e : a <= e;
  }
  if (op === "eq") return actual === expected;
  if (op === "ne") return actual !== expected;
  if (typeof actual === "number" && typeof expected === "number") {
    return op === "gt"
      ? actual > expected
      : op === "ge"
        ? actual >= expected
        : op === "lt"
          ? actual < expected
          : op === "le"
            ? actual <= expected
            : false;
  }
  return false;
}

/** True when `resource` matches `filter`. */
export function matchesFilter(resource: Json, filter: Filter): boolean {
  switch (filter.kind) {
    case "and":
      return matchesFilter(resource, filter.left) && matchesFilter(resource, filter.right);
    case "or":
      return matchesFilter(resource, filter.left) || matchesFilter(resource, filter.right);
    case "not":
      return !matchesFilter(resource, filter.filter);
    case "present":
      return valuesAt(resource, filter.path).some((v) => v !== "" && !(Array.isArray(v) && v.length === 0));
    case "valuePath":
      return valuesAt(resource, filter.path).some((item) => matchesFilter(item, filter.filter));
    case "compare": {
      const values = valuesAt(resource, filter.path);
      // `ne` holds for a missing attribute as well (nothing equals the value).
      if (values.length === 0) return filter.op === "ne";
      return filter.op === "ne"
        ? values.every((v) => compare(v, "ne", filter.value))
        : values.some((v) => compare(v, filter.op, filter.value));
    }
  }
}

/** `userName eq "x"` (the lookup every IdP sends first): the name, to answer with one query. */
export function userNameEquality(filter: Filter): string | null {
  return filter.kind === "compare" &&
    filter.op === "eq" &&
    filter.path.length === 1 &&
    filter.path[0] === "username" &&
    typeof filter.value === "string"
    ? filter.value
    : null;
}
