/**
 * Writes a snapshot: the change-log head S, the OAuth state and every active or deprecated,
 * unexpired key, read in one transaction (REPEATABLE READ on PostgreSQL; a read transaction on
 * SQLite, a consistent snapshot in WAL mode), so it is exactly the state after change S:
 * nothing missed, nothing applied twice.
 *
 * Keys go out in chunks by column (see KeyChunkWire in @tessera/verifier): principal ids,
 * audiences and scope lists named once per chunk, ids space-separated, token hashes
 * concatenated, then index and expiry columns. A verifier parses a chunk of 10,000 keys into a
 * handful of strings and number arrays, not 10,000 objects.
 */
import type SQLite from "better-sqlite3";
import type { Kysely } from "kysely";
import type { Schema } from "../db/schema.js";
import { frame } from "./frames.js";
import type { OAuthStateLoader } from "./replica-state.js";

const PAGE = 10_000;

/** id, key_hash, principal_id, scopes (JSON text), audience, expires_at, status */
type KeyRow = [string, string, string, string, string | null, number | null, string, ...unknown[]];

/** Length of a token hash (base64url SHA-256). */
const HASH_LENGTH = 43;

export function encodeKeyChunk(rows: KeyRow[]): string {
  const strings = new Map<string, number>();
  const scopes = new Map<string, number>();
  const index = <T>(map: Map<T, number>, value: T) => {
    let i = map.get(value);
    if (i === undefined) {
      i = map.size;
      map.set(value, i);
    }
    return i;
  };
  const ids: string[] = [];
  const hashes: string[] = [];
  const principals: number[] = [];
  const scopeIndexes: number[] = [];
  const audiences: number[] = [];
  const expiries: number[] = [];
  const deprecated: number[] = [];
  let anyAudience = false;
  for (let k = 0; k < rows.length; k++) {
    const [id, hash, principalId, scopeText, audience, expiresAt, status] = rows[k] as KeyRow;
    // Ids are authority-made (`key_` + base62), so a space separates them. Never send a record
    // a verifier would misread: it would re-sync forever.
    if (hash.length !== HASH_LENGTH || id.includes(" ") || id.includes('"') || id.includes("\\")) {
      throw new Error(`key ${JSON.stringify(id)} cannot be sent in a snapshot`);
    }
    ids.push(id);
    hashes.push(hash);
    principals.push(index(strings, principalId));
    scopeIndexes.push(index(scopes, scopeText));
    if (audience !== null) anyAudience = true;
    audiences.push(audience === null ? -1 : index(strings, audience));
    expiries.push(expiresAt === null ? 0 : Number(expiresAt));
    if (status === "deprecated") deprecated.push(k);
  }
  // Scope lists are stored as JSON text already.
  return `{"p":${JSON.stringify([...strings.keys()])},"s":[${[...scopes.keys()].join(",")}],"i":"${ids.join(" ")}","h":"${hashes.join(
    "",
  )}","pi":[${principals.join(",")}],"si":[${scopeIndexes.join(",")}],${anyAudience ? `"a":[${audiences.join(",")}],` : ""}"e":[${expiries.join(
    ",",
  )}]${deprecated.length > 0 ? `,"d":[${deprecated.join(",")}]` : ""}}`;
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
 * (no per-row objects) in pages by rowid, the table's own order: paging by id walked the id
 * index and fetched every row from a random place (3 µs a row; a million keys took 3 s).
 * `db` is a Kysely over that same connection, for the OAuth state, so every read is in the
 * one transaction.
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
        `select id, key_hash, principal_id, scopes, audience, expires_at, status, rowid from api_keys
         where rowid > ? and status in ('active', 'deprecated') and (expires_at is null or expires_at > ?)
         order by rowid limit ?`,
      )
      .raw(true);
    let keyCount = 0;
    let after = 0;
    for (;;) {
      const rows = page.all(after, nowMs, PAGE) as KeyRow[];
      if (rows.length === 0) break;
      await write(frame("keys", encodeKeyChunk(rows)));
      keyCount += rows.length;
      after = (rows[rows.length - 1] as KeyRow)[7] as number;
      if (rows.length < PAGE) break;
    }
    await write(frame("snapshot_end", JSON.stringify({ sequence, keyCount }), sequence));
    return { sequence, keyCount };
  } finally {
    raw.exec("COMMIT");
  }
}
