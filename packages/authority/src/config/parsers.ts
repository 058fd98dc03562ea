/**
 * How a configuration value is read from its environment variable. Each parser names the
 * variable in its error, so a bad value stops start-up with a message that says what to fix.
 */
import { assertValidPrefix } from "@tessera/verifier";
import { parseDuration } from "../duration.js";
import { validationFailed } from "../errors.js";

export type Env = Record<string, string | undefined>;

/** A parser takes the raw text (or the row's default) and the variable's name for its errors. */
export type Parse<T> = (value: string, field: string, env: Env) => T;

export const text: Parse<string> = (value) => value;

export const duration: Parse<number> = (value, field) => parseDuration(value, field);

/** A duration where "", "0" or "off" turns the feature off (0). */
export const optionalDuration: Parse<number> = (value, field) =>
  value === "" || value === "0" || value === "off" ? 0 : parseDuration(value, field);

export function integer(min: number, max: number): Parse<number> {
  return (value, field) => {
    const parsed = Number(value);
    if (value.trim() === "" || !Number.isInteger(parsed) || parsed < min || parsed > max) {
      throw validationFailed(`${field} must be a whole number from ${min} to ${max}`, { field });
    }
    return parsed;
  };
}

/** One of a fixed list of words; the error lists them. */
export function oneOf<const T extends string>(...choices: T[]): Parse<T> {
  return (value, field) => {
    if ((choices as string[]).includes(value)) return value as T;
    const list = `${choices.slice(0, -1).join(", ")} or ${choices.at(-1)}`;
    throw validationFailed(`${field} must be ${list}`, { field });
  };
}

export const keyPrefix: Parse<string> = (value) => {
  assertValidPrefix(value);
  return value;
};

/** Comma-separated key prefixes, each checked. */
export const prefixList: Parse<string[]> = (value) => {
  const prefixes = value
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  for (const prefix of prefixes) assertValidPrefix(prefix);
  return prefixes;
};
