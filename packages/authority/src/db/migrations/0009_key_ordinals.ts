/**
 * Key ordinals: every API key gets a unique integer, assigned by the database when the row is
 * inserted and never changed. Verifiers hold each key's ordinal, so a large revocation can be
 * told to them as ranges of ordinals per principal ("every key of prn_x numbered 1,000 to
 * 101,000") instead of 100,000 ids: a hundred bytes on the wire and one pass over the
 * verifier's table (see keys/revocation.ts and docs/events.md).
 *
 * - PostgreSQL: a sequence, as the column's default (no lock: concurrent inserts never wait).
 * - SQLite: a counter row in `sequences` advanced by a trigger (one writer at a time, so the
 *   counter costs nothing in concurrency). Not the rowid: VACUUM may renumber rowids, and an
 *   ordinal must never be used twice.
 * - A unique index on both: two live keys sharing an ordinal would let a range revocation that
 *   spares one leave the other live in verifiers, so that must fail loudly instead.
 *
 * Replicas built before this migration hold keys without ordinals: `feed_floor` makes every
 * verifier resuming from a sequence at or before it load a fresh snapshot (which has them).
 */
import { type Kysely, type Migration, SqliteAdapter, sql } from "kysely";

export const keyOrdinalsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    if (db.getExecutor().adapter instanceof SqliteAdapter) {
      await db.schema.alterTable("api_keys").addColumn("ordinal", "integer").execute();
      await sql`update api_keys set ordinal = rowid`.execute(db);
      await sql`insert into sequences (name, value, last_hash)
        select 'key_ordinal', coalesce(max(ordinal), 0), null from api_keys`.execute(db);
      await sql`
        create trigger api_keys_ordinal after insert on api_keys when new.ordinal is null
        begin
          update sequences set value = value + 1 where name = 'key_ordinal';
          update api_keys set ordinal = (select value from sequences where name = 'key_ordinal')
            where rowid = new.rowid;
        end`.execute(db);
    } else {
      await sql`create sequence api_key_ordinals`.execute(db);
      // Filled for existing rows by the default (the table is rewritten once).
      await sql`alter table api_keys add column ordinal bigint not null default nextval('api_key_ordinals')`.execute(
        db,
      );
      await sql`alter sequence api_key_ordinals owned by api_keys.ordinal`.execute(db);
    }
    await db.schema.createIndex("api_keys_ordinal").on("api_keys").column("ordinal").unique().execute();
    await sql`insert into sequences (name, value, last_hash)
      select 'feed_floor', coalesce((select value from sequences where name = 'change'), 0), null`.execute(db);
  },
};
