/**
 * Which user principal an event's subject (RFC 9493) names: by email (the principal's name, or
 * an email SCIM stored for it), by `iss_sub` (its SCIM externalId, or its name), by `opaque` id
 * (its id or name), by `account` (`acct:` URI, as an email), or through a complex subject's user.
 */
import type { Kysely } from "kysely";
import type { Schema } from "../db/schema.js";

type Json = Record<string, unknown>;

interface UserRow {
  id: string;
  name: string;
  metadata: string;
}

function scimOf(row: UserRow): { externalId?: string; emails?: { value?: string }[] } {
  try {
    return ((JSON.parse(row.metadata) as Json).scim ?? {}) as never;
  } catch {
    return {};
  }
}

async function byEmail(db: Kysely<Schema>, email: string): Promise<string | null> {
  const wanted = email.toLowerCase();
  const named = await db
    .selectFrom("principals")
    .select("id")
    .where("kind", "=", "user")
    .where((eb) => eb(eb.fn("lower", ["name"]), "=", wanted))
    .executeTakeFirst();
  if (named) return named.id;
  // SCIM keeps a user's emails in its metadata: a coarse text filter, then an exact check.
  const candidates = (await db
    .selectFrom("principals")
    .select(["id", "name", "metadata"])
    .where("kind", "=", "user")
    .where((eb) => eb(eb.fn("lower", ["metadata"]), "like", `%${wanted.replace(/[%_\\]/g, "")}%`))
    .limit(50)
    .execute()) as UserRow[];
  const found = candidates.find((c) => (scimOf(c).emails ?? []).some((e) => e.value?.toLowerCase() === wanted));
  return found?.id ?? null;
}

async function byIdOrName(db: Kysely<Schema>, value: string): Promise<string | null> {
  const row = await db
    .selectFrom("principals")
    .select("id")
    .where("kind", "=", "user")
    .where((eb) => eb.or([eb("id", "=", value), eb("name", "=", value)]))
    .executeTakeFirst();
  return row?.id ?? null;
}

async function byExternalId(db: Kysely<Schema>, sub: string): Promise<string | null> {
  const candidates = (await db
    .selectFrom("principals")
    .select(["id", "name", "metadata"])
    .where("kind", "=", "user")
    .where("metadata", "like", `%${sub.replace(/[%_\\]/g, "")}%`)
    .limit(50)
    .execute()) as UserRow[];
  const found = candidates.find((c) => scimOf(c).externalId === sub);
  return found?.id ?? (await byIdOrName(db, sub));
}

/** The id of the user principal `subject` names, or null when none does. */
export async function userPrincipalOf(db: Kysely<Schema>, subject: unknown): Promise<string | null> {
  if (typeof subject !== "object" || subject === null) return null;
  const s = subject as Json;
  switch (s.format) {
    case "email":
      return typeof s.email === "string" ? byEmail(db, s.email) : null;
    case "account":
      return typeof s.uri === "string" && s.uri.startsWith("acct:") ? byEmail(db, s.uri.slice(5)) : null;
    case "iss_sub":
      return typeof s.sub === "string" ? byExternalId(db, s.sub) : null;
    case "opaque":
      return typeof s.id === "string" ? byIdOrName(db, s.id) : null;
    case "complex":
      return userPrincipalOf(db, s.user);
    default:
      // Pre-RFC 9493 CAEP drafts put the subject in the event, without `format` for a complex one.
      return s.user !== undefined ? userPrincipalOf(db, s.user) : null;
  }
}
