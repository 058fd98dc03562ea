/**
 * PostgreSQL: api_keys pages 40% full instead of 50% (migration 0008). A revocation makes each
 * row longer (revoked_at, revoked_by and the reason are filled in: about 60 bytes with a short
 * reason, on a row of about 170). When a selector revokes every key on a page, the new row
 * versions of all of them must fit beside the old ones for the update to stay heap-only (HOT,
 * no index entries written); at 50% they did not: measured here, 100,000 keys of one principal
 * revoked with 17% of the updates writing every index, 0.9-1.0 s; at 40%, all heap-only,
 * 0.5 s. The table takes a quarter more space. Pages written before this migration keep their
 * old headroom until the table is rewritten (`VACUUM FULL api_keys`, which locks it). SQLite
 * has no fill factor: nothing to do there.
 */
import { type Kysely, type Migration, SqliteAdapter, sql } from "kysely";

export const revocationHeadroomMigration: Migration = {
  async up(db: Kysely<unknown>) {
    if (db.getExecutor().adapter instanceof SqliteAdapter) return;
    await sql`alter table api_keys set (fillfactor = 40)`.execute(db);
  },
};
