#!/usr/bin/env node
// Runs the benchmarks: every bench/<area>/run.js in turn, or only the areas named
// (`npm run bench -- authority verifier`). Each prints its figures beside a baseline
// measured in the same run. Not part of the tests: machines are shared and noisy.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const areas = readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory() && !d.name.startsWith(".") && existsSync(join(here, d.name, "run.js")))
  .map((d) => d.name)
  .sort();
const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!areas.includes(name)) {
    console.error(`unknown benchmark area "${name}"; available: ${areas.join(", ")}`);
    process.exit(2);
  }
}
let failed = 0;
for (const area of wanted.length > 0 ? wanted : areas) {
  console.log(`\n=== bench: ${area} ===`);
  const result = spawnSync(process.execPath, ["--expose-gc", join(here, area, "run.js")], { stdio: "inherit" });
  if (result.status !== 0) {
    failed++;
    console.error(`bench ${area} failed with exit code ${result.status}`);
  }
}
process.exit(failed > 0 ? 1 : 0);
