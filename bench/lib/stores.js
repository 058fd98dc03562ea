// Fresh databases for benchmarks: a temporary SQLite file, or a new PostgreSQL database on the
// server named by TESSERA_BENCH_POSTGRES_URL (or the tests' URL, or the local default).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

export const PG_URL =
  process.env.TESSERA_BENCH_POSTGRES_URL ??
  process.env.TESSERA_TEST_POSTGRES_URL ??
  "postgres://postgres@127.0.0.1:5432/test";

/** True when the PostgreSQL server answers within 2 s. */
export async function postgresAvailable() {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

/** A new, empty store of `kind` ("sqlite" or "postgres"), with `drop()` to remove it. */
export async function createStore(kind, label = "bench") {
  if (kind === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), `tessera-${label}-`));
    return { url: join(dir, "bench.db"), drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `tessera_${label.replace(/[^a-z0-9]/g, "_")}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}
