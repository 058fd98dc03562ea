/**
 * The README says Node.js 20.19 or later, 22 and 24 work: every package the lockfile installs
 * must accept those versions, or `npm install` warns EBADENGINE (cookie@2, pulled by Fastify's
 * light-my-request, once required Node.js 22; the root package.json overrides it to cookie@1).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { expect, it } from "vitest";

const ROOT = new URL("../../../../", import.meta.url);
const require = createRequire(ROOT);
// semver is a dependency of Fastify's, so always installed; only one function is needed.
const semver = require("semver") as { satisfies(version: string, range: string): boolean };

interface LockEntry {
  version?: string;
  engines?: { node?: string } | string[];
}

const lock = JSON.parse(readFileSync(new URL("package-lock.json", ROOT), "utf8")) as {
  packages: Record<string, LockEntry>;
};
const root = JSON.parse(readFileSync(new URL("package.json", ROOT), "utf8")) as { engines: { node: string } };

/** The oldest release the README supports, and a release of each later LTS line. */
const SUPPORTED = ["20.19.0", "22.12.0", "24.0.0"];

it("the supported Node.js versions satisfy the root engines field", () => {
  for (const version of SUPPORTED) expect(semver.satisfies(version, root.engines.node), version).toBe(true);
});

it("every package in the lockfile accepts every supported Node.js version (no EBADENGINE)", () => {
  const refused: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
    if (!range) continue;
    for (const version of SUPPORTED) {
      if (!semver.satisfies(version, range))
        refused.push(`${path}@${entry.version} needs node ${range}: not ${version}`);
    }
  }
  expect(refused).toEqual([]);
});
