/**
 * What differs between SQLite and PostgreSQL, in one place, behind names that say what the
 * caller wants: take the write lock, lock the change sequence, reserve key ordinals. Services
 * call these instead of asking which database they run on.
 */
import { type Kysely, PostgresAdapter, SqliteAdapter, type Transaction } from "kysely";
import type { Schema } from "./schema.js";

type Queryable = Kysely<Schema> | Transaction<Schema>;

/** Whether `db` runs on SQLite (one writer at a time, deferred BEGIN). */
export function isSqlite(db: Queryable): boolean {
  return db.getExecutor().adapter instanceof SqliteAdapter;
}

/** Whether `db` runs on PostgreSQL (row locks, SKIP LOCKED, several instances). */
export function isPostgres(db: Queryable): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * SQLite's BEGIN is deferred: a transaction that reads first and writes later fails with
 * SQLITE_BUSY (no waiting) when another process wrote in between. Writing first takes the write
 * lock up front, where busy_timeout makes other processes wait their turn. Nothing on PostgreSQL.
 */
export async function takeSqliteWriteLock(trx: Transaction<Schema>): Promise<void> {
  if (!isSqlite(trx)) return;
  await trx.updateTable("sequences").set({ name: "change" }).where("name", "=", "change").execute();
}

/**
 * Locks the change-log sequence until this transaction ends: no other writer, on any instance,
 * can append a change in between, so what this transaction reads and then logs is exact. On
 * SQLite the unit of work's write lock already serialises every writer.
 */
export async function lockChangeSequence(trx: Transaction<Schema>): Promise<void> {
  if (isSqlite(trx)) return;
  await trx.selectFrom("sequences").select("value").where("name", "=", "change").forUpdate().execute();
}

/**
 * Reserves `count` consecutive key ordinals on SQLite and returns the first (the trigger that
 * advances the counter row by row is for inserts that name none); null on PostgreSQL, where
 * the column's default takes them from a sequence and RETURNING reports them.
 */
export async function reserveKeyOrdinals(trx: Transaction<Schema>, count: number): Promise<number | null> {
  if (!isSqlite(trx)) return null;
  const { value } = await trx
    .updateTable("sequences")
    .set((eb) => ({ value: eb("value", "+", count) }))
    .where("name", "=", "key_ordinal")
    .returning("value")
    .executeTakeFirstOrThrow();
  return Number(value) - count + 1;
}
