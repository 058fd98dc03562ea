#!/usr/bin/env node
// Takes the README's dashboard screenshots: a real authority on a temporary SQLite store with a
// few principals, keys, a revocation and a connected verifier, shown in Debian's Chromium.
// Usage: npm run build && node scripts/dashboard-screenshots.mjs   (writes docs/images/*.png)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { loadConfig } from "../packages/authority/dist/config.js";
import { startAuthority } from "../packages/authority/dist/server.js";
import { createVerifier } from "../packages/verifier/dist/index.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "tessera-shots-"));
const server = await startAuthority(
  loadConfig({}, { databaseUrl: join(dir, "t.db"), port: 0, dashboardDir: join(root, "packages/dashboard/dist") }),
  { logger: false },
);
const rootKey = server.bootstrap.rootKey.secret;
const api = async (method, path, body) => {
  const response = await fetch(server.url + path, {
    method,
    headers: { authorization: `Bearer ${rootKey}`, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return response.json();
};
const feedPrincipal = await api("POST", "/v1/principals", {
  name: "edge",
  kind: "service",
  owner: "platform",
  allowedScopes: ["feed:read"],
});
const feedKey = await api("POST", "/v1/keys", {
  principalId: feedPrincipal.id,
  scopes: ["feed:read"],
  description: "edge verifiers",
});
const verifiers = [];
for (const name of ["checkout-1", "checkout-2", "gateway-eu"]) {
  const v = createVerifier({ url: server.url, credential: feedKey.secret, name, usage: { intervalMs: 200 } });
  await v.ready();
  verifiers.push(v);
}
const keys = [];
for (const [name, owner, scope] of [
  ["checkout", "payments-team", "orders:read"],
  ["billing", "finance", "invoices:write"],
  ["reports", "data-team", "reports:read"],
]) {
  const p = await api("POST", "/v1/principals", { name, kind: "service", owner, allowedScopes: [scope] });
  for (let i = 0; i < 3; i++) {
    const k = await api("POST", "/v1/keys", {
      principalId: p.id,
      scopes: [scope],
      expiresIn: i === 0 ? "5d" : "60d",
      description: `${name} ${["prod", "staging", "ci"][i]}`,
    });
    keys.push(k);
  }
}
// Let the verifiers hear of the new keys, then record what their middleware would for requests.
await new Promise((r) => setTimeout(r, 500));
for (const [index, k] of keys.entries()) {
  const i = index % 3;
  // What the verifiers' middleware would record for requests made with the key.
  for (let n = 0; n < 3 + i * 4; n++) {
    const v = verifiers[n % 3];
    const result = v.verify(k.secret);
    v.recordUsage({
      keyId: k.key.id,
      kind: "api_key",
      outcome: result.ok ? "ok" : result.reason,
      route: "GET /orders",
      address: `10.0.${i}.${n}`,
      userAgent: "orders-client/2.1",
    });
  }
}
for (let n = 0; n < 5; n++) {
  verifiers[0].recordUsage({
    keyId: keys[2].key.id,
    kind: "api_key",
    outcome: "revoked",
    route: "GET /orders",
    address: "203.0.113.9",
    userAgent: "curl/8.5",
  });
}
await api("POST", `/v1/keys/${keys[2].key.id}/revoke?wait=2s`, { reason: "pasted in a support ticket" });
await new Promise((r) => setTimeout(r, 3000));
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
await page.goto(`${server.url}/dashboard/`);
await page.getByLabel("Admin key").fill(rootKey);
await page.getByRole("button", { name: "Sign in" }).click();
await page.getByRole("heading", { name: "Overview", level: 1 }).waitFor();
await page.waitForTimeout(1200);
await page.screenshot({ path: join(root, "docs/images/dashboard-overview.png") });
await page.goto(`${server.url}/dashboard/keys`);
await page.locator("svg.sparkline").first().waitFor();
await page.screenshot({ path: join(root, "docs/images/dashboard-keys.png") });
await page.goto(`${server.url}/dashboard/keys/${keys[0].key.id}`);
await page.getByRole("button", { name: "Revoke" }).click();
await page.getByRole("dialog").getByLabel("Reason").fill("leaked in a build log");
await page.screenshot({ path: join(root, "docs/images/dashboard-revoke.png") });
await browser.close();
for (const v of verifiers) await v.close();
await server.close();
rmSync(dir, { recursive: true, force: true });
console.log("wrote docs/images/dashboard-overview.png, dashboard-keys.png, dashboard-revoke.png");
