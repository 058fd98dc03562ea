/**
 * Writes a snapshot: the change-log head S, the OAuth state and every active or deprecated,
 * unexpired key, read in one transaction (REPEATABLE READ on PostgreSQL; a read transaction on
 * SQLite, a consistent snapshot in WAL mode), so it is exactly the state after change S:
 * nothing missed, nothing applied twice.
 *
 * Keys go out in chunks by column (KeyChunkWire in @tessera/verifier/wire): principal ids,
 * audiences and scope lists named once per chunk, ids space-separated, token hashes
 * concatenated, then index and expiry columns. A verifier parses a chunk of 10,000 keys into a
 * handful of strings and number arrays, not 10,000 objects.
 */
import { HASH_LENGTH, type KeyChunkWire, type SnapshotEndWire, type SnapshotStartWire } from "@tessera/verifier/wire";
import type SQLite from "better-sqlite3";
import type { Kysely } from "kysely";
import type { Schema } from "../db/schema.js";
import { frame } from "./frames.js";
import type { OAuthStateLoader } from "./replica-state.js";

const PAGE = 10_000;

/** id, key_hash, principal_id, scopes (JSON text), audience, expires_at, status, ordinal, suspended, canary */
type KeyRow = [string, string, string, string, string | null, number | null, string, number, boolean, boolean];

/** One chunk's keys by column, as the SQLite query aggregates them or rows are gathered. */
interface ChunkColumns {
  count: number;
  /** Key ids, space-separated. */
  ids: string;
  /** Token hashes, concatenated. */
  hashes: string;
  principalIds: string[];
  /** JSON text of each key's scopes. */
  scopeTexts: string[];
  /** Each key's audience, or null when no key of the chunk has one. */
  audiences: Array<string | null> | null;
  /** Epoch ms, 0 for none, comma-separated. */
  expiries: string;
  /** Positions of the deprecated keys. */
  deprecated: number[];
  /** Positions of the suspended keys and of the canaries. */
  suspended: number[];
  canaries: number[];
  /** Each key's ordinal. */
  ordinals: number[];
}

function countOf(text: string, separator: string): number {
  if (text.length === 0) return 0;
  let n = 1;
  for (let at = text.indexOf(separator); at !== -1; at = text.indexOf(separator, at + 1)) n++;
  return n;
}

function encodeColumns(c: ChunkColumns): string {
  // Never send a chunk a verifier would misread: it would re-sync forever. Ids are
  // authority-made (`key_` + base62), so a space separates them.
  if (
    c.hashes.length !== c.count * HASH_LENGTH ||
    countOf(c.ids, " ") !== c.count ||
    c.ids.includes('"') ||
    c.ids.includes("\\") ||
    c.principalIds.length !== c.count ||
    c.scopeTexts.length !== c.count ||
    c.ordinals.length !== c.count ||
    !c.ordinals.every(Number.isSafeInteger) ||
    countOf(c.expiries, ",") !== c.count
  ) {
    throw new Error("a snapshot chunk's columns do not line up: refusing to send it");
  }
  const strings = new Map<string, number>();
  const scopes = new Map<string, number>();
  const index = (map: Map<string, number>, value: string) => {
    let i = map.get(value);
    if (i === undefined) {
      i = map.size;
      map.set(value, i);
    }
    return i;
  };
  const principals = new Array<number>(c.count);
  const scopeIndexes = new Array<number>(c.count);
  for (let k = 0; k < c.count; k++) {
    principals[k] = index(strings, c.principalIds[k] as string);
    scopeIndexes[k] = index(scopes, c.scopeTexts[k] as string);
  }
  const audiences = c.audiences?.map((audience) => (audience === null ? -1 : index(strings, audience)));
  // Ordinals as differences from the key before (the first as it is): keys come in ordinal
  // order or nearly, so most are "1", a tenth of the bytes of the ordinals themselves.
  const ordinalDeltas = c.ordinals.map((ordinal, k) => (k === 0 ? ordinal : ordinal - (c.ordinals[k - 1] as number)));
  // Scope lists are stored as JSON text already.
  return chunkJson({
    p: JSON.stringify([...strings.keys()]),
    s: `[${[...scopes.keys()].join(",")}]`,
    i: `"${c.ids}"`,
    h: `"${c.hashes}"`,
    pi: `[${principals.join(",")}]`,
    si: `[${scopeIndexes.join(",")}]`,
    a: audiences ? `[${audiences.join(",")}]` : undefined,
    e: `[${c.expiries}]`,
    o: `[${ordinalDeltas.join(",")}]`,
    d: c.deprecated.length > 0 ? `[${c.deprecated.join(",")}]` : undefined,
    u: c.suspended.length > 0 ? `[${c.suspended.join(",")}]` : undefined,
    c: c.canaries.length > 0 ? `[${c.canaries.join(",")}]` : undefined,
  });
}

/** Each chunk field's JSON text; the optional ones may be left out. */
type ChunkFieldsJson = {
  // biome-ignore lint/complexity/noBannedTypes: `{}` tests whether the field is optional.
  [K in ChunkField]: {} extends Pick<KeyChunkWire, K> ? string | undefined : string;
};
type ChunkField = keyof KeyChunkWire;

/**
 * A chunk's JSON from each field's JSON text (undefined: the field is left out). Typed by the
 * wire contract's KeyChunkWire, so a field added or renamed there fails to compile here.
 */
function chunkJson(fields: ChunkFieldsJson): string {
  const parts: string[] = [];
  for (const [name, json] of Object.entries(fields)) if (json !== undefined) parts.push(`"${name}":${json}`);
  return `{${parts.join(",")}}`;
}

export function encodeKeyChunk(rows: KeyRow[]): string {
  const deprecated: number[] = [];
  const suspended: number[] = [];
  const canaries: number[] = [];
  rows.forEach((row, k) => {
    if (row[6] === "deprecated") deprecated.push(k);
    if (row[8]) suspended.push(k);
    if (row[9]) canaries.push(k);
  });
  return encodeColumns({
    count: rows.length,
    ids: rows.map((r) => r[0]).join(" "),
    hashes: rows.map((r) => r[1]).join(""),
    principalIds: rows.map((r) => r[2]),
    scopeTexts: rows.map((r) => r[3]),
    audiences: rows.some((r) => r[4] !== null) ? rows.map((r) => r[4]) : null,
    expiries: rows.map((r) => (r[5] === null ? 0 : Number(r[5]))).join(","),
    deprecated,
    suspended,
    canaries,
    ordinals: rows.map((r) => r[7]),
  });
}

type Write = (bytes: Buffer) => Promise<void>;

/** The positions of the deprecated, suspended and canary keys from one digit per key (bits 1, 2, 4). */
function positionsOfMarks(marks: string): { deprecated: number[]; suspended: number[]; canaries: number[] } {
  const deprecated: number[] = [];
  const suspended: number[] = [];
  const canaries: number[] = [];
  for (let at = 0; at < marks.length; at++) {
    const bits = marks.charCodeAt(at) - 48;
    if (bits === 0) continue;
    if (bits & 1) deprecated.push(at);
    if (bits & 2) suspended.push(at);
    if (bits & 4) canaries.push(at);
  }
  return { deprecated, suspended, canaries };
}

const snapshotStartFrame = (start: SnapshotStartWire) => frame("snapshot", JSON.stringify(start));
const snapshotEndFrame = (end: SnapshotEndWire) => frame("snapshot_end", JSON.stringify(end), end.sequence);

/** PostgreSQL (and any Kysely database): one REPEATABLE READ transaction, keyset pages by ordinal. */
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
      await write(snapshotStartFrame({ sequence, oauth: await loadOAuthState(trx, nowMs) }));
      let keyCount = 0;
      let after = 0;
      for (;;) {
        const rows = await trx
          .selectFrom("api_keys")
          .select([
            "id",
            "key_hash",
            "principal_id",
            "scopes",
            "audience",
            "expires_at",
            "status",
            "ordinal",
            "suspended_at",
            "canary",
          ])
          .where("status", "in", ["active", "deprecated"])
          .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", nowMs)]))
          .where("ordinal", ">", after)
          .orderBy("ordinal")
          .limit(PAGE)
          .execute();
        if (rows.length === 0) break;
        await write(
          frame(
            "keys",
            encodeKeyChunk(
              rows.map((r) => [
                r.id,
                r.key_hash,
                r.principal_id,
                r.scopes,
                r.audience,
                r.expires_at,
                r.status,
                r.ordinal as number,
                r.suspended_at !== null,
                Number(r.canary) === 1,
              ]),
            ),
          ),
        );
        keyCount += rows.length;
        after = (rows[rows.length - 1] as (typeof rows)[0]).ordinal as number;
        if (rows.length < PAGE) break;
      }
      await write(snapshotEndFrame({ sequence, keyCount }));
      return { sequence, keyCount };
    });
}

/**
 * SQLite: the same snapshot on a dedicated read-only connection, each page of keys (by rowid,
 * the table's own order) aggregated into its columns by SQLite itself: one result row a page
 * instead of 10,000 (better-sqlite3 costs about a microsecond a row and a string a column on a
 * small machine; a million keys read row by row took 2.5-3 s). `db` is a Kysely over that same
 * connection, for the OAuth state, so every read is in the one transaction.
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
    await write(snapshotStartFrame({ sequence, oauth: await loadOAuthState(db, nowMs) }));
    // Every aggregate reads the page's rows in the same order, so the columns line up.
    const page = raw.prepare(
      `select count(*) as n, max(rowid) as last,
         group_concat(id, ' ') as ids, group_concat(key_hash, '') as hashes,
         group_concat(principal_id, ' ') as principals, group_concat(scopes, char(10)) as scopes,
         case when count(audience) = 0 then null else json_group_array(audience) end as audiences,
         group_concat(coalesce(expires_at, 0), ',') as expiries,
         group_concat(iif(status = 'deprecated', 1, 0) + iif(suspended_at is not null, 2, 0)
           + iif(canary = 1, 4, 0), '') as marks,
         group_concat(ordinal, ',') as ordinals
       from (select rowid, id, key_hash, principal_id, scopes, audience, expires_at, status, ordinal, suspended_at,
               canary from api_keys
             where rowid > ? and status in ('active', 'deprecated') and (expires_at is null or expires_at > ?)
             order by rowid limit ?)`,
    );
    let keyCount = 0;
    let after = 0;
    for (;;) {
      const r = page.get(after, nowMs, PAGE) as {
        n: number;
        last: number | null;
        ids: string;
        hashes: string;
        principals: string;
        scopes: string;
        audiences: string | null;
        expiries: string;
        /** Per key one digit: 1 deprecated, 2 suspended, 4 canary, added. */
        marks: string;
        ordinals: string;
      };
      if (r.n === 0 || r.last === null) break;
      const { deprecated, suspended, canaries } = positionsOfMarks(r.marks);
      await write(
        frame(
          "keys",
          encodeColumns({
            count: r.n,
            ids: r.ids,
            hashes: r.hashes,
            principalIds: r.principals.split(" "),
            scopeTexts: r.scopes.split("\n"),
            audiences: r.audiences === null ? null : (JSON.parse(r.audiences) as Array<string | null>),
            expiries: r.expiries,
            deprecated,
            suspended,
            canaries,
            ordinals: r.ordinals.split(",").map(Number),
          }),
        ),
      );
      keyCount += r.n;
      after = r.last;
      if (r.n < PAGE) break;
    }
    await write(snapshotEndFrame({ sequence, keyCount }));
    return { sequence, keyCount };
  } finally {
    raw.exec("COMMIT");
  }
}
