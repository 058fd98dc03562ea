import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { scan } from "../src/scan.js";
import { cli, commitAll, gitIn, initRepo, tempDir, tesseraToken } from "./helpers.js";

let dir: ReturnType<typeof tempDir>;
let stateDir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir();
  stateDir = tempDir();
});
afterEach(() => {
  dir.cleanup();
  stateDir.cleanup();
});

describe("incremental history scans", () => {
  it("scans only commits that are new since the last run, and says so", async () => {
    initRepo(dir.path);
    const state = join(stateDir.path, "state.json");
    const first = tesseraToken();
    writeFileSync(join(dir.path, "a.txt"), `${first}\n`);
    const c1 = commitAll(dir.path, "one");
    const run1 = await cli(["--git", "--repo", dir.path, "--state", state]);
    expect(run1.code).toBe(1);
    expect(run1.stdout).toMatch(/scanned 1 new commit \(first scan of this repository\)/);
    const saved = JSON.parse(readFileSync(state, "utf8"));
    expect(Object.values(saved.repositories)).toMatchObject([{ lastCommit: c1, tips: [c1] }]);

    const run2 = await cli(["--git", "--repo", dir.path, "--state", state]);
    expect(run2.code).toBe(0);
    expect(run2.stdout).toMatch(new RegExp(`scanned 0 new commits since ${c1.slice(0, 12)}`));

    const second = tesseraToken();
    writeFileSync(join(dir.path, "b.txt"), `${second}\n`);
    commitAll(dir.path, "two");
    writeFileSync(join(dir.path, "c.txt"), "clean\n");
    commitAll(dir.path, "three");
    gitIn(dir.path, "checkout", "-q", "-b", "side", c1);
    const third = tesseraToken();
    writeFileSync(join(dir.path, "d.txt"), `${third}\n`);
    commitAll(dir.path, "side branch");
    const run3 = await scan({ source: { kind: "git", repo: dir.path }, statePath: state, showSecrets: true });
    expect(run3.stats.incremental).toEqual({ since: c1, newCommits: 3 });
    expect(run3.findings.map((f) => f.secret).sort()).toEqual([second, third].sort());
  });

  it("keeps the state when the authority step fails, so the next run sees the tokens again", async () => {
    initRepo(dir.path);
    const state = join(stateDir.path, "state.json");
    writeFileSync(join(dir.path, "a.txt"), `${tesseraToken()}\n`);
    commitAll(dir.path, "one");
    const failed = await cli(
      ["--git", "--repo", dir.path, "--state", state, "--url", "http://127.0.0.1:9", "--revoke"],
      {
        env: { TESSERA_ADMIN_KEY: "k" },
      },
    );
    expect(failed.code).toBe(2);
    const again = await cli(["--git", "--repo", dir.path, "--state", state]);
    expect(again.code).toBe(1);
  });

  it("survives rewritten history (a remembered tip that no longer exists)", async () => {
    initRepo(dir.path);
    const state = join(stateDir.path, "state.json");
    writeFileSync(join(dir.path, "a.txt"), "x\n");
    commitAll(dir.path, "one");
    await cli(["--git", "--repo", dir.path, "--state", state]);
    const saved = JSON.parse(readFileSync(state, "utf8"));
    const key = Object.keys(saved.repositories)[0] as string;
    saved.repositories[key].tips.push("0123456789abcdef0123456789abcdef01234567");
    writeFileSync(state, JSON.stringify(saved));
    const result = await cli(["--git", "--repo", dir.path, "--state", state]);
    expect(result.code).toBe(0);
  });

  it("rejects a corrupt state file and --state without --git", async () => {
    const state = join(stateDir.path, "state.json");
    writeFileSync(state, "{ not json");
    initRepo(dir.path);
    expect((await cli(["--git", "--repo", dir.path, "--state", state])).code).toBe(2);
    expect((await cli(["--state", state, dir.path])).code).toBe(2);
  });
});
