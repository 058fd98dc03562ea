/**
 * How the replica refuses a change it cannot apply: a MalformedChangeError, upon which the feed
 * client re-syncs from a snapshot rather than guess. Shared by the replica's parts.
 * @module
 */

/**
 * Thrown for an event the replica cannot apply: the feed client re-syncs from a snapshot.
 * @example
 * try { replica.apply(type, data) } catch (e) { if (e instanceof MalformedChangeError) resync(e.message) }
 */
export class MalformedChangeError extends Error {
  override readonly name = "MalformedChangeError";
}

export function fail(message: string): never {
  throw new MalformedChangeError(message);
}

export const isString = (v: unknown): v is string => typeof v === "string";

export const isTime = (v: unknown): v is number | null => v === null || (typeof v === "number" && Number.isFinite(v));
