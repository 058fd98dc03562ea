/**
 * Database URLs that name no supported store are refused before anything is created, and a
 * PostgreSQL that cannot be used says what failed (refused, authentication, database missing)
 * with the URL minus its password, instead of "database migration unknown failed".
 */
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { openDatabase } from "../../src/db/database.js";
import { databaseKind } from "../../src/db/url.js";

describe("database URLs", () => {
  it("refuses unknown schemes instead of making a SQLite file of them", () => {
    for (const url of ["mysql://root@localhost/tessera", "redis://127.0.0.1:6379", "mongodb+srv://x/y"]) {
      expect(() => databaseKind(url)).toThrow(expect.objectContaining({ code: "database_url_invalid" }));
      expect(() => loadConfig({ TESSERA_DATABASE_URL: url })).toThrow(/unsupported database URL scheme/);
    }
    expect(existsSync("mysql:")).toBe(false);
    expect(databaseKind("./data/tessera.db")).toBe("sqlite");
    expect(databaseKind("sqlite:/tmp/x.db")).toBe("sqlite");
    expect(databaseKind("postgresql://u@h/d")).toBe("postgres");
  });

  it("says the connection was refused, with the URL minus its password", async () => {
    const url = "postgres://tessera:hunter2@127.0.0.1:1/tessera";
    const error = await openDatabase(url).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: "database_unavailable", details: { reason: "ECONNREFUSED" } });
    expect((error as Error).message).toContain("postgres://tessera:***@127.0.0.1:1/tessera");
    expect((error as Error).message).toContain("connection refused");
    expect((error as Error).message).not.toContain("hunter2");
  });

  const pgUrl = process.env.TESSERA_TEST_POSTGRES_URL;
  (pgUrl ? it : it.skip)("says the database is missing, or the user cannot log in", async () => {
    const base = new URL(pgUrl as string);
    const missing = new URL(base);
    missing.pathname = "/tessera_no_such_database";
    await expect(openDatabase(missing.toString())).rejects.toMatchObject({
      code: "database_unavailable",
      message: expect.stringContaining("database tessera_no_such_database does not exist"),
    });
    const stranger = new URL(base);
    stranger.username = "tessera_no_such_user";
    await expect(openDatabase(stranger.toString())).rejects.toMatchObject({ code: "database_unavailable" });
  });
});
