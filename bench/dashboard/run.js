// The dashboard's figures: the keys page's first render in Debian's Chromium with 1,000,000 keys
// in a SQLite store beside the same with 1,000 keys (interleaved rounds, median and range), and
// the size of its built assets gzipped. Bars: first render under 1 s at 1,000,000 keys; assets
// under 300 KB gzipped. `BENCH_DASHBOARD_KEYS` changes the large count.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { chromium } from "playwright-core";
import { loadConfig } from "../../packages/authority/dist/config.js";
import { startAuthority } from "../../packages/authority/dist/server.js";
import { createStore } from "../lib/stores.js";
import { seedKeys } from "./seed.js";

const CHROMIUM = process.env.TESSERA_TEST_CHROMIUM ?? "/usr/bin/chromium";
const DIST = fileURLToPath(new URL("../../packages/dashboard/dist/", import.meta.url));
const LARGE = Number(process.env.BENCH_DASHBOARD_KEYS ?? 1_000_000);
const SMALL = 1000;
const ROUNDS = 7;

function assetsGzipped(dir) {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) total += assetsGzipped(path);
    else total += gzipSync(readFileSync(path)).length;
  }
  return total;
}

async function storeWith(count) {
  const store = await createStore("sqlite", "dashboard");
  const config = loadConfig({}, { databaseUrl: store.url, port: 0, dashboardDir: DIST });
  const first = await startAuthority(config, { logger: false });
  const rootKey = first.bootstrap.rootKey.secret;
  const principal = await first.authority.principals.create(
    { name: "bench", kind: "service", owner: "bench", allowedScopes: ["orders:read"] },
    { id: "bench", scopes: new Set(["principals:write"]) },
  );
  await first.close();
  const t = performance.now();
  seedKeys(store.url, principal.id, count);
  const seeded = (performance.now() - t) / 1000;
  const server = await startAuthority(config, { logger: false });
  return { count, store, server, rootKey, seeded };
}

/** Milliseconds from navigating to the keys page until its first row's link is visible. */
async function firstRender(page, env) {
  const t = performance.now();
  await page.goto(`${env.server.url}/dashboard/keys`);
  await page.locator('table a[href^="/dashboard/keys/key_"]').first().waitFor();
  return performance.now() - t;
}

async function signedInPage(browser, env) {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${env.server.url}/dashboard/`);
  await page.getByLabel("Admin key").fill(env.rootKey);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Overview", level: 1 }).waitFor();
  return page;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (xs) => `${median(xs).toFixed(0)} ms (${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)})`;

async function main() {
  if (!existsSync(`${DIST}index.html`)) throw new Error("the dashboard is not built: run npm run build");
  if (!existsSync(CHROMIUM)) {
    console.log(`skipped: no Chromium at ${CHROMIUM} (apt-get install chromium)`);
    return;
  }
  const gz = assetsGzipped(DIST);
  console.log(`built assets, gzipped: ${(gz / 1024).toFixed(1)} KB   (bar: < 300 KB)`);
  console.log(`seeding ${SMALL.toLocaleString("en-US")} and ${LARGE.toLocaleString("en-US")} keys ...`);
  const small = await storeWith(SMALL);
  const large = await storeWith(LARGE);
  console.log(`  seeded in ${small.seeded.toFixed(1)} s and ${large.seeded.toFixed(1)} s`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
  try {
    const pages = { small: await signedInPage(browser, small), large: await signedInPage(browser, large) };
    const times = { small: [], large: [] };
    await firstRender(pages.small, small);
    await firstRender(pages.large, large);
    for (let round = 0; round < ROUNDS; round++) {
      times.small.push(await firstRender(pages.small, small));
      times.large.push(await firstRender(pages.large, large));
    }
    console.log("\nkeys page, first render in Chromium (navigation to the first row visible), SQLite");
    console.log(`  ${SMALL.toLocaleString("en-US").padStart(9)} keys: ${fmt(times.small)}   (baseline)`);
    console.log(
      `  ${LARGE.toLocaleString("en-US").padStart(9)} keys: ${fmt(times.large)}   ` +
        `${(median(times.large) / median(times.small)).toFixed(2)}x the baseline   (bar: < 1000 ms)`,
    );
  } finally {
    await browser.close();
    for (const env of [small, large]) {
      await env.server.close();
      await env.store.drop();
    }
  }
}

await main();
