import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ScanError } from "../src/errors.js";
import { scan } from "../src/scan.js";
import { commitAll, gitIn, initRepo, tempDir, tesseraToken } from "./helpers.js";

let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => dir.cleanup());

const write = (rel: string, content: string | Buffer) => {
  const path = join(dir.path, rel);
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, content);
};

describe("working tree", () => {
  it("respects .gitignore inside a git repository, and scans untracked files", async () => {
    initRepo(dir.path);
    const tracked = tesseraToken();
    const untracked = tesseraToken();
    const ignored = tesseraToken();
    write(".gitignore", "build/\n*.log\n");
    write("src/a.ts", `const k = "${tracked}";\n`);
    write("build/out.js", ignored);
    write("debug.log", ignored);
    commitAll(dir.path, "init");
    write("new.txt", untracked);
    const { findings } = await scan({ source: { kind: "paths", paths: [dir.path] }, showSecrets: true });
    expect(findings.map((f) => f.secret).sort()).toEqual([tracked, untracked].sort());
    expect(findings.find((f) => f.secret === tracked)?.file).toBe(join(dir.path, "src/a.ts"));
    const all = await scan({
      source: { kind: "paths", paths: [dir.path], respectGitignore: false },
      showSecrets: true,
    });
    expect(all.findings.length).toBe(4);
  });

  it("walks a plain directory with nested .gitignore files", async () => {
    const kept = tesseraToken();
    const ignored = tesseraToken();
    write(".gitignore", "*.tmp\n");
    write("a/.gitignore", "secret-dir/\n!keep.tmp\n");
    write("a/secret-dir/x.txt", ignored);
    write("a/b.tmp", ignored);
    write("a/keep.tmp", kept);
    write("c.txt", kept);
    const { findings } = await scan({ source: { kind: "paths", paths: [dir.path] }, showSecrets: true });
    expect(findings.map((f) => f.file).sort()).toEqual([join(dir.path, "a/keep.tmp"), join(dir.path, "c.txt")]);
  });

  it("skips and counts binary files, large files and symlinks (including broken ones)", async () => {
    const token = tesseraToken();
    write("bin.dat", Buffer.concat([Buffer.from([0, 1, 2, 0]), Buffer.from(token)]));
    write("big.txt", `${"x".repeat(2000)}${token}`);
    write("ok.txt", token);
    symlinkSync(join(dir.path, "ok.txt"), join(dir.path, "link.txt"));
    symlinkSync(join(dir.path, "missing"), join(dir.path, "broken"));
    const { findings, stats } = await scan({ source: { kind: "paths", paths: [dir.path] }, maxFileSize: 1000 });
    expect(findings.map((f) => f.file)).toEqual([join(dir.path, "ok.txt")]);
    expect(stats).toMatchObject({ files: 1, skippedBinary: 1, skippedLarge: 1, skippedSymlinks: 2 });
  });

  it("reports an unreadable file as a warning and goes on", async () => {
    initRepo(dir.path);
    const token = tesseraToken();
    write("gone.txt", "x");
    write("ok.txt", token);
    commitAll(dir.path, "init");
    rmSync(join(dir.path, "gone.txt")); // still listed by git ls-files --cached
    const result = await scan({ source: { kind: "paths", paths: [dir.path] } });
    expect(result.findings.length).toBe(1);
    expect(result.stats.skippedUnreadable).toBe(1);
    expect(result.warnings.join("\n")).toContain("gone.txt");
  });

  it("fails clearly on a missing path", async () => {
    await expect(scan({ source: { kind: "paths", paths: [join(dir.path, "nope")] } })).rejects.toMatchObject({
      code: "path_not_found",
    });
  });

  it("scans a stream", async () => {
    const token = tesseraToken();
    const stream = Readable.from([
      Buffer.from("step 1\nexport TOKEN="),
      Buffer.from(`${token.slice(0, 10)}`),
      Buffer.from(`${token.slice(10)}\n`),
    ]);
    const { findings } = await scan({ source: { kind: "stdin", stream }, showSecrets: true });
    expect(findings).toMatchObject([{ file: "<stdin>", line: 2, column: 14, secret: token }]);
  });
});

describe("git history", () => {
  it("finds tokens in added lines with commit, author and date, not in removed lines", async () => {
    initRepo(dir.path);
    const first = tesseraToken();
    const second = tesseraToken();
    write("config/app.env", `A=1\nKEY=${first}\n`);
    const c1 = commitAll(dir.path, "add key", "2024-01-02T03:04:05Z");
    write("config/app.env", "A=1\n");
    commitAll(dir.path, "remove key", "2024-01-03T03:04:05Z");
    write("other.txt", `x\ny\nz\n${second}\n`);
    const c3 = commitAll(dir.path, "another", "2024-01-04T03:04:05Z");
    const { findings, stats } = await scan({ source: { kind: "git", repo: dir.path }, showSecrets: true });
    expect(stats.commits).toBe(3);
    expect(findings).toMatchObject([
      {
        secret: first,
        file: "config/app.env",
        line: 2,
        column: 5,
        commit: { commit: c1, author: "Test Author", email: "author@example.test", date: "2024-01-02T03:04:05+00:00" },
      },
      { secret: second, file: "other.txt", line: 4, commit: { commit: c3 } },
    ]);
    // The working tree no longer has the first token.
    const tree = await scan({ source: { kind: "paths", paths: [dir.path] }, showSecrets: true });
    expect(tree.findings.map((f) => f.secret)).toEqual([second]);
  });

  it("scans every ref by default and a range when given", async () => {
    initRepo(dir.path);
    write("a.txt", "base\n");
    const base = commitAll(dir.path, "base");
    gitIn(dir.path, "checkout", "-q", "-b", "feature");
    const onBranch = tesseraToken();
    write("b.txt", onBranch);
    commitAll(dir.path, "feature");
    gitIn(dir.path, "checkout", "-q", "main");
    const onMain = tesseraToken();
    write("c.txt", onMain);
    commitAll(dir.path, "main work");
    const all = await scan({ source: { kind: "git", repo: dir.path }, showSecrets: true });
    expect(all.findings.map((f) => f.secret).sort()).toEqual([onBranch, onMain].sort());
    const range = await scan({ source: { kind: "git", repo: dir.path, range: `${base}..feature` }, showSecrets: true });
    expect(range.findings.map((f) => f.secret)).toEqual([onBranch]);
    expect(range.stats.commits).toBe(1);
  });

  it("handles file names with spaces and non-ASCII characters, and binary files", async () => {
    initRepo(dir.path);
    const token = tesseraToken();
    write('dir with space/naïve "q".txt', `${token}\n`);
    write("blob.bin", Buffer.from([0, 1, 2, 3, 0]));
    commitAll(dir.path, "odd names");
    const { findings, stats } = await scan({ source: { kind: "git", repo: dir.path } });
    expect(findings.map((f) => f.file)).toEqual(['dir with space/naïve "q".txt']);
    expect(stats.skippedBinary).toBe(1);
  });

  it("finds a token split across a small chunk size in a long added line", async () => {
    initRepo(dir.path);
    const tokens = Array.from({ length: 20 }, () => tesseraToken());
    write("long.txt", tokens.map((t) => `${"p".repeat(1000)}${t}`).join(""));
    commitAll(dir.path, "long line");
    const { findings } = await scan({
      source: { kind: "git", repo: dir.path },
      chunkSize: 512,
      overlap: 256,
      showSecrets: true,
    });
    expect(findings.map((f) => f.secret)).toEqual(tokens);
  });

  it("reports the right lines of a hunk many chunks long", async () => {
    initRepo(dir.path);
    const lines = Array.from({ length: 400 }, (_, i) => `line ${i} ${"x".repeat(40)}`);
    const planted = [3, 57, 58, 199, 398].map((at) => ({ at, token: tesseraToken() }));
    for (const { at, token } of planted) lines[at] = `key ${token}`;
    write("many.txt", `${lines.join("\n")}\n`);
    commitAll(dir.path, "many lines");
    const { findings } = await scan({
      source: { kind: "git", repo: dir.path },
      chunkSize: 512,
      overlap: 256,
      showSecrets: true,
    });
    expect(findings.map((f) => [f.line, f.column, f.secret])).toEqual(planted.map((p) => [p.at + 1, 5, p.token]));
  });

  it("an empty repository has no commits and no findings", async () => {
    initRepo(dir.path);
    const result = await scan({ source: { kind: "git", repo: dir.path } });
    expect(result.stats.commits).toBe(0);
    expect(result.findings).toEqual([]);
  });

  it("outside a repository fails with not_a_repository", async () => {
    const error = await scan({ source: { kind: "git", repo: dir.path } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScanError);
    expect(error).toMatchObject({ code: "not_a_repository" });
  });

  it("staged changes only", async () => {
    initRepo(dir.path);
    const committed = tesseraToken();
    write("a.txt", `${committed}\n`);
    commitAll(dir.path, "first");
    const staged = tesseraToken();
    const unstaged = tesseraToken();
    write("a.txt", `${committed}\n${staged}\n`);
    gitIn(dir.path, "add", "a.txt");
    write("b.txt", unstaged);
    const { findings } = await scan({ source: { kind: "staged", repo: dir.path }, showSecrets: true });
    expect(findings).toMatchObject([{ secret: staged, file: "a.txt", line: 2 }]);
  });
});
