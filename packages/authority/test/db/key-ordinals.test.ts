/**
 * Migration 0009 gives existing keys ordinals and every later key a new one, unique for good
 * (also after SQLite's VACUUM renumbers rowids), and sets the feed floor at the change head.
 */
import { Migrator, sql } from "kysely";
import { afterEach, beforeEach, expect, it } from "vitest";
import { type Database, migrate, openDatabase } from "../../src/db/database.js";
import { migrationProvider } from "../../src/db/migrations.js";
import type { ApiKeysTable } from "../../src/db/schema.js";
import { keyRowFixture } from "../key-row.js";
import { createTestStore, describeEachStore, type TestStore } from "../stores.js";

describeEachStore("key ordinals (migration 0009)", (kind) => {
  let store: TestStore;
  let database: Database;
  beforeEach(async () => {
    store = await createTestStore(kind);
    database = await openDatabase(store.url, { migrate: false });
  });
  afterEach(async () => {
    await database.close();
    await store.drop();
  });

  const keyRow = (id: string) =>
    keyRowFixture({ id, principal_id: "prn_1", key_hash: id.padEnd(43, "A"), scopes: "[]" });
  /**
   * A row as migration 0008 knows it: without the columns 0013 (suspension, canaries) adds. Typed
   * as today's row because the compiler knows only today's schema.
   */
  const keyRowAt0008 = (id: string) => {
    const { suspended_at, suspended_by, suspended_reason, suspended_via, canary, ...row } = keyRow(id);
    return row as ApiKeysTable;
  };

  it("numbers existing keys, then every new key, never twice, and sets the feed floor", async () => {
    const migrator = new Migrator({ db: database.db, provider: migrationProvider, allowUnorderedMigrations: true });
    const before = await migrator.migrateTo("0008_revocation_speed");
    expect(before.error).toBeUndefined();
    const db = database.db;
    await db
      .insertInto("principals")
      .values({
        id: "prn_1",
        name: "p",
        kind: "service",
        owner: "o",
        status: "active",
        allowed_scopes: "[]",
        metadata: "{}",
        created_at: 1,
        updated_at: 1,
        created_by: "t",
        disabled_at: null,
        disabled_reason: null,
      })
      .execute();
    await db
      .insertInto("api_keys")
      .values([keyRowAt0008("key_a"), keyRowAt0008("key_b"), keyRowAt0008("key_c")])
      .execute();
    await db.updateTable("sequences").set({ value: 42 }).where("name", "=", "change").execute();

    await migrate(database);
    const floor = await db.selectFrom("sequences").select("value").where("name", "=", "feed_floor").executeTakeFirst();
    expect(Number(floor?.value)).toBe(42);
    const ordinals = async () =>
      (await db.selectFrom("api_keys").select(["id", "ordinal"]).orderBy("id").execute()).map((r) => Number(r.ordinal));
    const existing = await ordinals();
    expect(new Set(existing).size).toBe(3);

    // The newest key deleted and the file vacuumed (SQLite may then reuse its rowid): the next
    // key still gets a number never used before.
    await db.deleteFrom("api_keys").where("id", "=", "key_c").execute();
    if (kind === "sqlite") await sql`vacuum`.execute(db);
    await db
      .insertInto("api_keys")
      .values([keyRow("key_d"), keyRow("key_e")])
      .execute();
    const after = await ordinals();
    expect(after).toHaveLength(4);
    expect(new Set(after).size).toBe(4);
    expect(Math.min(...after.slice(2))).toBeGreaterThan(Math.max(...existing));

    // Two keys with one ordinal are refused outright.
    await expect(
      db
        .insertInto("api_keys")
        .values({ ...keyRow("key_f"), ordinal: after[0] })
        .execute(),
    ).rejects.toThrow();
  });
});
