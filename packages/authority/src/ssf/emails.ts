/**
 * Email subjects for user principals (RFC 9493 `email`), where Tessera knows the address: the
 * principal's name when it is one, else the primary (or first) email SCIM stored for it. An
 * event about such a principal is sent with its email as the subject; a key's event names the
 * email among its related subjects, so a stream that added the user's email gets it too.
 */
import type { Transaction } from "kysely";
import { readInChunks } from "../db/batches.js";
import type { Schema } from "../db/schema.js";
import type { SsfEvent, Subject } from "./mapping.js";

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

function emailOf(name: string, metadata: string): string | null {
  if (EMAIL.test(name)) return name;
  try {
    const emails = ((JSON.parse(metadata) as { scim?: { emails?: { value?: string; primary?: boolean }[] } }).scim
      ?.emails ?? []) as { value?: string; primary?: boolean }[];
    const chosen = emails.find((e) => e.primary) ?? emails[0];
    return chosen?.value && EMAIL.test(chosen.value) ? chosen.value : null;
  } catch {
    return null;
  }
}

const opaqueId = (s: Subject): string | null => (s.format === "opaque" && typeof s.id === "string" ? s.id : null);

/** The events with user principals' emails as subjects where known. */
export async function withEmails(trx: Transaction<Schema>, events: SsfEvent[]): Promise<SsfEvent[]> {
  const ids = new Set<string>();
  for (const e of events) {
    for (const s of [e.subject, ...e.related]) {
      const id = opaqueId(s);
      if (id?.startsWith("prn_")) ids.add(id);
    }
  }
  if (ids.size === 0) return events;
  const rows = await readInChunks([...ids], 500, (chunk) =>
    trx
      .selectFrom("principals")
      .select(["id", "name", "metadata"])
      .where("id", "in", chunk)
      .where("kind", "=", "user")
      .execute(),
  );
  const emails = new Map<string, string>();
  for (const row of rows) {
    const email = emailOf(row.name, row.metadata);
    if (email) emails.set(row.id, email);
  }
  if (emails.size === 0) return events;
  const email = (s: Subject): Subject | null => {
    const id = opaqueId(s);
    const found = id ? emails.get(id) : undefined;
    return found ? { format: "email", email: found } : null;
  };
  return events.map((e) => {
    const subjectEmail = email(e.subject);
    const related = [...e.related, ...e.related.flatMap((s) => email(s) ?? [])];
    return subjectEmail ? { ...e, subject: subjectEmail, related: [e.subject, ...related] } : { ...e, related };
  });
}
