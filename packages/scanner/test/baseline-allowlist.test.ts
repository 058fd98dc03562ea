import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { scan } from "../src/scan.js";
import { cli, tempDir, tesseraToken } from "./helpers.js";

let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => dir.cleanup());

describe("baseline", () => {
  it("reports only findings that are not in the baseline, and survives moved lines", async () => {
    const old = tesseraToken();
    writeFileSync(join(dir.path, "a.txt"), `${old}\n`);
    const baseline = join(dir.path, "..", `${dir.path.split("/").at(-1)}.baseline.json`);
    const written = await cli(["--write-baseline", baseline, dir.path]);
    expect(written.code).toBe(1);
    const file = readFileSync(baseline, "utf8");
    expect(file).not.toContain(old);
    expect(JSON.parse(file)).toMatchObject({ version: 1, findings: [{ detector: "tessera", line: 1 }] });
    // Lines move above the old finding: still accepted.
    writeFileSync(join(dir.path, "a.txt"), `moved\nmoved\n${old}\n`);
    expect((await cli(["--baseline", baseline, dir.path])).code).toBe(0);
    // A new secret, or the old one leaking into another file, is new.
    const fresh = tesseraToken();
    writeFileSync(join(dir.path, "b.txt"), `${fresh}\n${old}\n`);
    const result = await scan({ source: { kind: "paths", paths: [dir.path] }, baseline, showSecrets: true });
    expect(result.findings.map((f) => f.secret).sort()).toEqual([fresh, old].sort());
    expect(result.stats.suppressed.baseline).toBe(1);
  });

  it("rejects a file that is not a baseline with exit code 2", async () => {
    const bad = join(dir.path, "bad.json");
    writeFileSync(bad, "{}");
    const result = await cli(["--baseline", bad, dir.path]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/not a tessera-scan baseline/);
  });
});

describe("allowlist", () => {
  it("suppresses inline tessera:allow on the same line only", async () => {
    const a = tesseraToken();
    const b = tesseraToken();
    writeFileSync(
      join(dir.path, "a.ts"),
      `const a = "${a}"; // tessera:allow test fixture\n// tessera:allow\nconst b = "${b}";\n`,
    );
    const result = await scan({ source: { kind: "paths", paths: [dir.path] }, showSecrets: true });
    expect(result.findings.map((f) => f.secret)).toEqual([b]);
    expect(result.stats.suppressed.inline).toBe(1);
  });

  it("suppresses by path glob, secret pattern and fingerprint from the config file", async () => {
    const inFixtures = tesseraToken();
    const known = tesseraToken();
    const stays = tesseraToken();
    writeFileSync(join(dir.path, "keep.txt"), `${known}\n${stays}\n`);
    const { mkdirSync } = await import("node:fs");
    mkdirSync(join(dir.path, "test", "fixtures"), { recursive: true });
    writeFileSync(join(dir.path, "test", "fixtures", "f.txt"), inFixtures);
    const first = await scan({ source: { kind: "paths", paths: [dir.path] }, showSecrets: true });
    const knownFinding = first.findings.find((f) => f.secret === known);
    writeFileSync(
      join(dir.path, ".tessera-scan.json"),
      JSON.stringify({
        allowlist: {
          paths: ["test/fixtures/**"],
          patterns: [`^${stays.slice(0, 12)}`],
          fingerprints: [knownFinding?.fingerprint],
        },
      }),
    );
    const result = await scan({ source: { kind: "paths", paths: [dir.path] }, showSecrets: true });
    expect(result.findings).toEqual([]);
    expect(result.stats.suppressed).toMatchObject({ path: 1, pattern: 1, fingerprint: 1 });
  });

  it("rejects an invalid config file", async () => {
    writeFileSync(join(dir.path, ".tessera-scan.json"), JSON.stringify({ allowlist: { patterns: ["("] } }));
    const result = await cli([dir.path]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/not a valid regular expression/);
    writeFileSync(join(dir.path, ".tessera-scan.json"), JSON.stringify({ allowlst: {} }));
    expect((await cli([dir.path])).stderr).toMatch(/unknown key "allowlst"/);
  });
});
