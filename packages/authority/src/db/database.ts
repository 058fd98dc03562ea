/**
 * Opens the store named by a database URL: SQLite through better-sqlite3 (the embedded
 * default) or PostgreSQL through pg, behind one Kysely query layer, and applies migrations.
 */
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import { TesseraError } from "../errors.js";
import { migrationProvider } from "./migrations.js";
import type { Schema } from "./schema.js";
import { databaseKind, describeConnectionFailure, redactDatabaseUrl } from "./url.js";

export { redactDatabaseUrl };

export interface Database {
  db: Kysely<Schema>;
  kind: "sqlite" | "postgres";
  /** Where the data lives, with any password removed: safe to print. */
  location: string;
  /**
   * SQLite only: a number that moves whenever another connection (another process on the same
   * file, such as the CLI) commits; this connection's own commits leave it alone.
   */
  externalChanges?: () => number;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Apply pending migrations (default true). */
  migrate?: boolean;
  /** PostgreSQL pool size (default 10). */
  poolSize?: number;
}

/** Resolves `sqlite:path`, `sqlite://path`, `file:path` or a bare path to a file path. */
export function sqlitePath(url: string): string {
  const stripped = url.replace(/^sqlite:(\/\/)?/i, "").replace(/^file:(\/\/)?/i, "");
  return stripped === ":memory:" ? stripped : resolve(stripped);
}

// bigint (int8) and numeric come back from pg as strings; our values (epoch ms, sequences)
// fit in a double exactly, so parse them once here for the whole query layer.
const pgTypes = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === 20 || oid === 1700) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

/**
 * Kysely's SQLite driver prepares every statement anew; preparing costs as much as running a
 * point lookup. Queries are executed synchronously to completion (never iterated while another
 * runs), so one prepared statement per SQL text can be reused safely.
 */
function withStatementCache(sqlite: SQLite.Database, limit = 500) {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let statement = cache.get(sql);
      if (!statement) {
        statement = sqlite.prepare(sql);
        // Statements built with varying IN-list lengths are many and used once: bound the cache.
        if (cache.size >= limit) cache.delete(cache.keys().next().value as string);
        cache.set(sql, statement);
      }
      return statement;
    },
  };
}

export async function openDatabase(url: string, options: OpenOptions = {}): Promise<Database> {
  const kind = databaseKind(url);
  let db: Kysely<Schema>;
  let location: string;
  let externalChanges: (() => number) | undefined;
  if (kind === "postgres") {
    const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10, types: pgTypes });
    // An idle client losing its connection must not crash the process; the next query reconnects.
    pool.on("error", () => {});
    db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
    location = redactDatabaseUrl(url);
  } else {
    const path = sqlitePath(url);
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    let sqlite: SQLite.Database;
    try {
      sqlite = new SQLite(path);
    } catch (cause) {
      throw new TesseraError("internal_error", `cannot open SQLite database at ${path}`, { cause });
    }
    sqlite.pragma("journal_mode = WAL");
    // FULL: an acknowledged revocation must survive a crash, of the process or the machine.
    sqlite.pragma("synchronous = FULL");
    sqlite.pragma("foreign_keys = ON");
    sqlite.pragma("busy_timeout = 5000");
    db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
    location = path;
    const dataVersion = sqlite.prepare("PRAGMA data_version").pluck();
    externalChanges = () => dataVersion.get() as number;
  }
  const database: Database = { db, kind, location, externalChanges, close: () => db.destroy() };
  if (options.migrate !== false) {
    try {
      await migrate(database);
    } catch (error) {
      await database.close();
      // The first query connects: say what failed, not "migration failed".
      const cause = error instanceof TesseraError ? error.cause : error;
      throw (kind === "postgres" ? describeConnectionFailure(cause, url) : null) ?? error;
    }
  }
  return database;
}

export async function migrate(database: Database): Promise<void> {
  // Unordered: migrations added on parallel branches may land in any order.
  const migrator = new Migrator({ db: database.db, provider: migrationProvider, allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName ?? "unknown";
    throw new TesseraError(
      "internal_error",
      `database migration ${failed} failed: ${(error as Error)?.message ?? String(error)}`,
      { cause: error },
    );
  }
}
