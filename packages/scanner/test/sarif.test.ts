import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checksummed, cli, commitAll, initRepo, tempDir, tesseraToken } from "./helpers.js";

const require = createRequire(import.meta.url);
// The official SARIF 2.1.0 schema (draft-04), vendored from @microsoft/jest-sarif (MIT).
const Ajv = require("ajv-draft-04");
const addFormats = require("ajv-formats");
const schema = JSON.parse(readFileSync(new URL("./fixtures/sarif-schema-2.1.0.json", import.meta.url), "utf8"));
// `unicodeRegExp: false`: one pattern of the official schema (language tags) is invalid under the `u` flag.
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
const validate = ajv.compile(schema);

const dir = tempDir();
afterAll(() => dir.cleanup());

describe("SARIF output", () => {
  it("validates against the SARIF 2.1.0 schema, for working trees and history", async () => {
    initRepo(dir.path);
    writeFileSync(join(dir.path, "a file.env"), `KEY=${tesseraToken()}\nGH=${checksummed("ghp_")}\n`);
    commitAll(dir.path, "leak");
    for (const args of [[dir.path], ["--git", "--repo", dir.path]]) {
      const result = await cli(["--format", "sarif", ...args]);
      expect(result.code).toBe(1);
      const log = JSON.parse(result.stdout);
      const valid = validate(log);
      expect(validate.errors ?? [], JSON.stringify(validate.errors)).toEqual([]);
      expect(valid).toBe(true);
      expect(log.version).toBe("2.1.0");
      const results = log.runs[0].results;
      expect(results.map((r: { ruleId: string }) => r.ruleId)).toEqual(["tessera", "github"]);
      expect(results[0].locations[0].physicalLocation.region).toMatchObject({ startLine: 1, startColumn: 5 });
      expect(results[0].partialFingerprints["tesseraSecret/v1"]).toMatch(/^[0-9a-f]{32}$/);
      const rules = log.runs[0].tool.driver.rules;
      expect(rules[results[0].ruleIndex].id).toBe("tessera");
    }
  });

  it("a clean scan is valid SARIF with no results", async () => {
    const clean = tempDir();
    writeFileSync(join(clean.path, "x.txt"), "nothing");
    const result = await cli(["--format", "sarif", clean.path]);
    clean.cleanup();
    expect(result.code).toBe(0);
    const log = JSON.parse(result.stdout);
    expect(validate(log)).toBe(true);
    expect(log.runs[0].results).toEqual([]);
  });

  it("the validator does reject an invalid log", () => {
    expect(validate({ version: "2.1.0", runs: [{ tool: {} }] })).toBe(false);
  });
});
