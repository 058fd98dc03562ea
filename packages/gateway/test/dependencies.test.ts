/**
 * The gateway is a sidecar: it depends on the verifier and never on the authority or its
 * database drivers (a service team installs it without them).
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  dependencies: Record<string, string>;
};
const FORBIDDEN = ["@tessera/authority", "better-sqlite3", "pg", "kysely", "fastify"];

describe("@tessera/gateway dependencies", () => {
  it("has the verifier and none of the authority's", () => {
    expect(manifest.dependencies["@tessera/verifier"]).toBeDefined();
    for (const name of FORBIDDEN) expect(manifest.dependencies[name], name).toBeUndefined();
  });

  it("imports nothing of the authority in its sources", () => {
    const dir = new URL("../src/", import.meta.url);
    for (const file of readdirSync(dir)) {
      const text = readFileSync(new URL(file, dir), "utf8");
      for (const name of FORBIDDEN) expect(text, `${file} imports ${name}`).not.toMatch(new RegExp(`from "${name}`));
      expect(text, file).not.toContain("/authority/");
    }
  });
});
