/**
 * Whether this database can serve requests: it answers a query within a bound, and every
 * migration this build knows has been applied (an instance that started against a database
 * another instance is still migrating must not take traffic yet).
 */
import { Migrator, sql } from "kysely";
import type { Database } from "./database.js";
import { migrationProvider } from "./migrations.js";

export type ReadinessProblem = "database_unreachable" | "migrations_pending";

export type Readiness =
  | { ready: true; migrations: number }
  | { ready: false; problem: ReadinessProblem; pending?: string[] };

/**
 * A blackholed PostgreSQL would otherwise hold the probe until the pool gives up (pg sets no
 * connect timeout by default); a probe that answers late is a probe that failed.
 */
export const READINESS_TIMEOUT_MS = 2000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function pendingMigrations(database: Database): Promise<{ applied: number; pending: string[] }> {
  const migrator = new Migrator({ db: database.db, provider: migrationProvider, allowUnorderedMigrations: true });
  const all = await migrator.getMigrations();
  const pending = all.filter((m) => m.executedAt === undefined).map((m) => m.name);
  return { applied: all.length - pending.length, pending };
}

/** Creates a readiness check; once every migration is seen applied, only reachability is probed. */
export function createReadinessCheck(database: Database, timeoutMs = READINESS_TIMEOUT_MS) {
  let migrated: number | null = null;
  return async function checkReadiness(): Promise<Readiness> {
    try {
      await withTimeout(sql`select 1`.execute(database.db), timeoutMs);
    } catch {
      return { ready: false, problem: "database_unreachable" };
    }
    if (migrated !== null) return { ready: true, migrations: migrated };
    try {
      const { applied, pending } = await withTimeout(pendingMigrations(database), timeoutMs);
      if (pending.length > 0) return { ready: false, problem: "migrations_pending", pending };
      migrated = applied;
      return { ready: true, migrations: applied };
    } catch {
      return { ready: false, problem: "database_unreachable" };
    }
  };
}
