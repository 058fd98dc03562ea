import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type CliIo, registerScanCommand } from "../src/cli.js";
import { cli, commitAll, initRepo, tempDir, tesseraToken } from "./helpers.js";

let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => dir.cleanup());

describe("exit codes and output", () => {
  it("0 on a clean tree, 1 with findings, 2 on errors", async () => {
    writeFileSync(join(dir.path, "clean.txt"), "nothing here\n");
    expect((await cli([dir.path])).code).toBe(0);
    writeFileSync(join(dir.path, "leak.txt"), `key ${tesseraToken()}\n`);
    expect((await cli([dir.path])).code).toBe(1);
    expect((await cli([join(dir.path, "missing")])).code).toBe(2);
    expect((await cli(["--format", "xml", dir.path])).code).toBe(2);
    expect((await cli(["--unknown-flag"])).code).toBe(2);
    expect((await cli(["--stdin", "--staged"])).code).toBe(2);
  });

  it("--git outside a repository is a clear error with exit code 2", async () => {
    const result = await cli(["--git", "--repo", dir.path]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/not inside a git repository/);
  });

  it("never prints a secret unless --show-secrets is given", async () => {
    const token = tesseraToken();
    writeFileSync(join(dir.path, "leak.txt"), `key ${token}\n`);
    for (const format of ["text", "json", "sarif"]) {
      const result = await cli(["--format", format, dir.path]);
      expect(result.code).toBe(1);
      expect(result.stdout + result.stderr).not.toContain(token);
      expect(result.stdout + result.stderr).not.toContain(token.slice(8, 30));
    }
    const shown = await cli(["--show-secrets", dir.path]);
    expect(shown.stdout).toContain(token);
    const json = JSON.parse((await cli(["--show-secrets", "--format", "json", dir.path])).stdout);
    expect(json.findings[0].secret).toBe(token);
    const sarif = await cli(["--show-secrets", "--format", "sarif", dir.path]);
    expect(sarif.stdout).not.toContain(token);
  });

  it("text report shows location, detector and a redacted preview; summary counts", async () => {
    const token = tesseraToken();
    writeFileSync(join(dir.path, "leak.txt"), `\n  key=${token}\n`);
    const result = await cli([dir.path]);
    expect(result.stdout).toContain(`${join(dir.path, "leak.txt")}:2:7  tessera  ${token.slice(0, 8)}…(34 more)`);
    expect(result.stdout).toMatch(/scanned 1 file .*; 1 finding/);
    expect(result.stdout).not.toContain("\u001b[");
  });

  it("reads standard input", async () => {
    const token = tesseraToken();
    const result = await cli(["--stdin", "--format", "json"], { stdin: `log line\nusing ${token}\n` });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).findings).toMatchObject([{ file: "<stdin>", line: 2, column: 7 }]);
  });

  it("accepts deployment prefixes with --prefix and from the config file", async () => {
    const token = tesseraToken("acme");
    writeFileSync(join(dir.path, "leak.txt"), token);
    expect((await cli([dir.path])).code).toBe(0);
    expect((await cli(["--prefix", "acme", dir.path])).code).toBe(1);
    writeFileSync(join(dir.path, ".tessera-scan.json"), JSON.stringify({ prefixes: ["acme"] }));
    expect((await cli([dir.path])).code).toBe(1);
    expect((await cli(["--no-config", dir.path])).code).toBe(0);
    expect((await cli(["--prefix", "Bad_Prefix", dir.path])).code).toBe(2);
  });

  it("writes the report to --output and the summary to stderr", async () => {
    writeFileSync(join(dir.path, "leak.txt"), tesseraToken());
    const out = join(dir.path, "..", `${dir.path.split("/").at(-1)}-report.json`);
    const result = await cli(["--format", "json", "--output", out, dir.path]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(JSON.parse(readFileSync(out, "utf8")).findings.length).toBe(1);
    expect(result.stderr).toMatch(/1 finding/);
  });

  it("--staged for a pre-commit hook", async () => {
    initRepo(dir.path);
    writeFileSync(join(dir.path, "a.txt"), "ok\n");
    commitAll(dir.path, "init");
    expect((await cli(["--staged", "--repo", dir.path])).code).toBe(0);
    mkdirSync(join(dir.path, "src"));
    writeFileSync(join(dir.path, "src", "b.ts"), `export const k = "${tesseraToken()}";\n`);
    const { execFileSync } = await import("node:child_process");
    execFileSync("git", ["-C", dir.path, "add", "src/b.ts"]);
    const result = await cli(["--staged", "--repo", dir.path]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("src/b.ts:1:19");
  });
});

describe("registerScanCommand", () => {
  it("mounts `scan` on a parent program and sets the exit code", async () => {
    writeFileSync(join(dir.path, "leak.txt"), tesseraToken());
    let out = "";
    const io: CliIo = {
      stdout: (t) => {
        out += t;
      },
      stderr: () => {},
      stdin: process.stdin,
      env: {},
      stdoutIsTTY: false,
      stderrIsTTY: false,
    };
    const program = new Command("tessera");
    registerScanCommand(program, io);
    const previous = process.exitCode;
    await program.parseAsync(["scan", "--format", "json", dir.path], { from: "user" });
    expect(process.exitCode).toBe(1);
    process.exitCode = previous;
    expect(JSON.parse(out).findings.length).toBe(1);
  });
});
