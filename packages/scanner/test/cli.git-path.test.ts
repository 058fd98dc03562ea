/**
 * `--git PATH` (as gitleaks writes it) scans that repository's history; a value that names no
 * directory is still a revision range of --repo.
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { cli, commitAll, initRepo, tempDir, tesseraToken } from "./helpers.js";

let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => dir.cleanup());

it("--git PATH scans the history of the repository at PATH, a deleted leak included", async () => {
  initRepo(dir.path);
  writeFileSync(join(dir.path, "leak.txt"), `key ${tesseraToken()}\n`);
  commitAll(dir.path, "leak");
  rmSync(join(dir.path, "leak.txt"));
  commitAll(dir.path, "remove it");
  const result = await cli(["--git", dir.path, "--format", "json"]);
  expect(result.stderr).not.toMatch(/error/);
  expect(result.code).toBe(1);
  expect(JSON.parse(result.stdout).findings).toHaveLength(1);
});

it("a value that is not a directory stays a revision range of --repo", async () => {
  initRepo(dir.path);
  writeFileSync(join(dir.path, "leak.txt"), `key ${tesseraToken()}\n`);
  commitAll(dir.path, "leak");
  writeFileSync(join(dir.path, "clean.txt"), "nothing\n");
  commitAll(dir.path, "clean");
  expect((await cli(["--git", "HEAD~1..HEAD", "--repo", dir.path])).code).toBe(0);
  expect((await cli(["--git", "HEAD~2..HEAD", "--repo", dir.path])).code).toBe(2);
  expect((await cli(["--git", "--repo", dir.path])).code).toBe(1);
});
