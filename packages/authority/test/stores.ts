/**
 * Test databases: every suite that touches storage runs on SQLite and, when
 * TESSERA_TEST_POSTGRES_URL is set (CI always sets it), on a fresh PostgreSQL database.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { describe } from "vitest";

export type StoreKind = "sqlite" | "postgres";

export const POSTGRES_URL = process.env.TESSERA_TEST_POSTGRES_URL;

if (!POSTGRES_URL) {
  // Visible in every run that skips them, so a green laptop run is not mistaken for full coverage.
  console.warn("[tessera tests] TESSERA_TEST_POSTGRES_URL is not set: PostgreSQL suites are SKIPPED");
}

export const STORE_KINDS: StoreKind[] = POSTGRES_URL ? ["sqlite", "postgres"] : ["sqlite"];

export interface TestStore {
  url: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** A new, empty database of the given kind. */
export async function createTestStore(kind: StoreKind): Promise<TestStore> {
  if (kind === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "tessera-test-"));
    return { url: join(dir, "tessera.db"), drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  if (!POSTGRES_URL) throw new Error("TESSERA_TEST_POSTGRES_URL is not set");
  const name = `tessera_t_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  return {
    url: withDatabase(POSTGRES_URL, name),
    async drop() {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

/** `describe` once per available store kind; PostgreSQL is skipped (visibly) without its URL. */
export function describeEachStore(name: string, body: (kind: StoreKind) => void): void {
  for (const kind of ["sqlite", "postgres"] as const) {
    if (STORE_KINDS.includes(kind)) describe(`${name} [${kind}]`, () => body(kind));
    else describe.skip(`${name} [${kind}] (skipped: set TESSERA_TEST_POSTGRES_URL)`, () => body(kind));
  }
}
