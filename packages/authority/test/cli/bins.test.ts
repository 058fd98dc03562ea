/**
 * Every bin of every workspace is a committed launcher, not a build output: npm links bins when
 * it installs, before `prepare` compiles dist/, so a bin under dist/ is missing after the first
 * `npm install` of a fresh clone and `npx tessera` fails (or reaches the public registry).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = join(dirname(fileURLToPath(import.meta.url)), "../../../..");
const workspaces = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { workspaces: string[] })
  .workspaces;
const tracked = new Set(execFileSync("git", ["ls-files"], { cwd: root, encoding: "utf8" }).split("\n"));

const bins = workspaces.flatMap((workspace) => {
  const manifest = JSON.parse(readFileSync(join(root, workspace, "package.json"), "utf8")) as {
    bin?: Record<string, string>;
  };
  return Object.entries(manifest.bin ?? {}).map(([name, path]) => ({ name, path: join(root, workspace, path) }));
});

describe("workspace bins", () => {
  it("has bins to check", () => {
    expect(bins.map((b) => b.name)).toEqual(expect.arrayContaining(["tessera", "tessera-scan"]));
  });
  for (const bin of bins) {
    it(`${bin.name} is a committed, executable launcher that runs the build`, () => {
      expect(tracked.has(relative(root, bin.path)), `${relative(root, bin.path)} is committed`).toBe(true);
      expect(relative(root, bin.path)).not.toContain("/dist/");
      expect(statSync(bin.path).mode & 0o111).not.toBe(0);
      const help = spawnSync(process.execPath, [bin.path, "--help"], { encoding: "utf8", timeout: 20_000 });
      expect(help.status, help.stderr).toBe(0);
      expect(help.stdout).toMatch(/Usage/i);
    });
    it(`${bin.name} says to build when dist/ is missing`, () => {
      const dir = mkdtempSync(join(tmpdir(), "tessera-bin-"));
      const copy = join(dir, "launcher.js");
      copyFileSync(bin.path, copy);
      const result = spawnSync(process.execPath, [copy], { encoding: "utf8", timeout: 20_000 });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain("npm run build");
    });
  }
});
