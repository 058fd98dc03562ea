/**
 * Writes a snapshot: the change-log head S, the OAuth state and every active or deprecated,
 * unexpired key, read in one transaction (REPEATABLE READ on PostgreSQL; a read transaction on
 * SQLite, a consistent snapshot in WAL mode), so it is exactly the state after change S:
 * nothing missed, nothing applied twice.
 *
 * Keys go out in chunks `{ p: [principalIds], s: [scopeLists], r: [[id, hash, p index, s index,
 * audience, expiresAt, deprecated 0|1], ...] }`: principals and scope lists repeat across keys,
 * so each chunk names them once (less to send, less to parse, shared in the verifier's memory).
 */
import type SQLite from "better-sqlite3";
import type { Kysely } from "kysely";
import type { Schema } from "../db/schema.js";
import { frame } from "./frames.js";
import type { OAuthStateLoader } from "./replica-state.js";

const PAGE = 10_000;

/** id, key_hash, principal_id, scopes (JSON text), audience, expires_at, status */
type KeyRow = [string, string, string, string, string | null, number | null, string];

const SAFE = /^[\w-]*$/;
const quote = (text: string) => (SAFE.test(text) ? `"${text}"` : JSON.stringify(text));

export function encodeKeyChunk(rows: KeyRow[]): string {
  const principals = new Map<string, number>();
  const scopes = new Map<string, number>();
  let body = "";
  for (let i = 0; i < rows.length; i++) {
    const [id, hash, principalId, scopeText, audience, expiresAt, status] = rows[i] as KeyRow;
    let p = principals.get(principalId);
    if (p === undefined) {
      p = principals.size;
      principals.set(principalId, p);
    }
    let s = scopes.get(scopeText);
    if (s === undefined) {
      s = scopes.size;
      scopes.set(scopeText, s);
    }
    body += `${i === 0 ? "" : ","}[${quote(id)},${quote(hash)},${p},${s},${audience === null ? "null" : JSON.stringify(audience)},${
      expiresAt === null ? "null" : Number(expiresAt)
    },${status === "deprecated" ? 1 : 0}]`;
  }
  // Scope lists are stored as JSON text already.
  return `{"p":[${[...principals.keys()].map(quote).join(",")}],"s":[${[...scopes.keys()].join(",")}],"r":[${body}]}`;
}

type Write = (bytes: Buffer) => Promise<void>;

/** PostgreSQL (and any Kysely database): one REPEATABLE READ transaction, keyset pages by id. */
export async function writeSnapshot(
  db: Kysely<Schema>,
  loadOAuthState: OAuthStateLoader,
  nowMs: number,
  write: Write,
): Promise<{ sequence: number; keyCount: number }> {
  return db
    .transaction()
    .setIsolationLevel("repeatable read")
    .execute(async (trx) => {
      const head = await trx
        .selectFrom("sequences")
        .select("value")
        .where("name", "=", "change")
        .executeTakeFirstOrThrow();
      const sequence = Number(head.value);
      await write(frame("snapshot", JSON.stringify({ sequence, oauth: await loadOAuthState(trx, nowMs) })));
      let keyCount = 0;
      let after = "";
      for (;;) {
        const rows = await trx
          .selectFrom("api_keys")
          .select(["id", "key_hash", "principal_id", "scopes", "audience", "expires_at", "status"])
          .where("status", "in", ["active", "deprecated"])
          .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", nowMs)]))
          .where("id", ">", after)
          .orderBy("id")
          .limit(PAGE)
          .execute();
        if (rows.length === 0) break;
        await write(
          frame(
            "keys",
            encodeKeyChunk(
              rows.map((r) => [r.id, r.key_hash, r.principal_id, r.scopes, r.audience, r.expires_at, r.status]),
            ),
          ),
        );
        keyCount += rows.length;
        after = (rows[rows.length - 1] as (typeof rows)[0]).id;
        if (rows.length < PAGE) break;
      }
      await write(frame("snapshot_end", JSON.stringify({ sequence, keyCount }), sequence));
      return { sequence, keyCount };
    });
}

/**
 * SQLite: the same snapshot on a dedicated read-only connection, reading rows as arrays
 * (no per-row objects): a million keys is mostly encoding, not query overhead. `db` is a Kysely
 * over that same connection, for the OAuth state, so every read is in the one transaction.
 */
export async function writeSnapshotSqlite(
  raw: SQLite.Database,
  db: Kysely<Schema>,
  loadOAuthState: OAuthStateLoader,
  nowMs: number,
  write: Write,
): Promise<{ sequence: number; keyCount: number }> {
  raw.exec("BEGIN");
  try {
    const sequence = Number(raw.prepare("select value from sequences where name = 'change'").pluck().get());
    await write(frame("snapshot", JSON.stringify({ sequence, oauth: await loadOAuthState(db, nowMs) })));
    const page = raw
      .prepare(
        `select id, key_hash, principal_id, scopes, audience, expires_at, status from api_keys
         where status in ('active', 'deprecated') and (expires_at is null or expires_at > ?) and id > ?
         order by id limit ?`,
      )
      .raw(true);
    let keyCount = 0;
    let after = "";
    for (;;) {
      const rows = page.all(nowMs, after, PAGE) as KeyRow[];
      if (rows.length === 0) break;
      await write(frame("keys", encodeKeyChunk(rows)));
      keyCount += rows.length;
      after = (rows[rows.length - 1] as KeyRow)[0];
      if (rows.length < PAGE) break;
    }
    await write(frame("snapshot_end", JSON.stringify({ sequence, keyCount }), sequence));
    return { sequence, keyCount };
  } finally {
    raw.exec("COMMIT");
  }
}
