/**
 * `tessera --help` and a command's help load no heavy modules (the database, the server, the scanner):
 * they are imported when their command runs. And `tessera scan --help` names itself.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { runCli } from "../../src/cli/program.js";
import { capture } from "../cli-capture.js";

const main = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
const recorder = fileURLToPath(new URL("./fixtures/record-imports.mjs", import.meta.url));

/** What a help screen must not pay for: the server, database drivers, telemetry, the scanner. */
const HEAVY = [
  "/authority.js",
  "/server.js",
  "/db/database.js",
  "better-sqlite3",
  "/node_modules/pg/",
  "fastify",
  "@opentelemetry",
  "scanner/dist",
];

for (const args of [["--help"], ["keys", "list", "--help"]]) {
  it.skipIf(!existsSync(main))(
    `tessera ${args.join(" ")} loads neither the server, a database driver, telemetry nor the scanner`,
    () => {
      const record = join(mkdtempSync(join(tmpdir(), "tessera-imports-")), "imports.txt");
      const help = execFileSync(process.execPath, ["--import", recorder, main, ...args], {
        env: { ...process.env, RECORD_IMPORTS: record },
        encoding: "utf8",
      });
      expect(help).toContain("Usage: tessera");
      const loaded = readFileSync(record, "utf8");
      expect(loaded).toContain("/cli/program.js");
      for (const heavy of HEAVY) expect(loaded, heavy).not.toContain(heavy);
    },
  );
}

it("tessera scan --help says Usage: tessera scan", async () => {
  const c = capture({});
  expect(await runCli(["scan", "--help"], c.io)).toBe(0);
  expect(c.out()).toContain("Usage: tessera scan [options] [paths...]");
});

it("global options may come before scan", async () => {
  const c = capture({});
  expect(await runCli(["--json", "scan", "--help"], c.io)).toBe(0);
  expect(c.out()).toContain("Usage: tessera scan");
});
