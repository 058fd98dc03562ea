/**
 * Test harness: a real authority on loopback (SQLite) serving the built dashboard, and Debian's
 * Chromium driven by playwright-core (which downloads no browser). Without /usr/bin/chromium the
 * browser suites are skipped with a visible message; .ci/run installs it.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import type { TesseraConfig } from "../../authority/src/config.js";
import { loadConfig } from "../../authority/src/config.js";
import { type RunningAuthority, startAuthority } from "../../authority/src/server.js";
import { createTestStore, type TestStore } from "../../authority/test/stores.js";

export const CHROMIUM = process.env.TESSERA_TEST_CHROMIUM ?? "/usr/bin/chromium";
export const HAS_CHROMIUM = existsSync(CHROMIUM);
export const DASHBOARD_DIST = fileURLToPath(new URL("../dist/", import.meta.url));

/** Builds the dashboard when its dist/ is missing (a fresh clone's npm install builds it too). */
export function ensureBuilt(): void {
  if (existsSync(`${DASHBOARD_DIST}index.html`)) return;
  execFileSync("npm", ["run", "build", "--silent", "-w", "@tessera/dashboard"], {
    cwd: fileURLToPath(new URL("../../../", import.meta.url)),
    stdio: "inherit",
  });
}

export interface BrowserHarness {
  server: RunningAuthority;
  rootKey: string;
  browser: Browser;
  /** A new page with a console collector: CSP violations and page errors end up in `problems`. */
  page(): Promise<{ page: Page; problems: string[] }>;
  /** Calls the admin API as the root key, as a test's own check (never through the page). */
  api<T = unknown>(method: string, path: string, body?: unknown, key?: string): Promise<{ status: number; body: T }>;
  signIn(page: Page, key?: string): Promise<void>;
  close(): Promise<void>;
}

export async function startBrowserHarness(overrides: Partial<TesseraConfig> = {}): Promise<BrowserHarness> {
  ensureBuilt();
  const store: TestStore = await createTestStore("sqlite");
  const server = await startAuthority(
    loadConfig({}, { databaseUrl: store.url, port: 0, dashboardDir: DASHBOARD_DIST, ...overrides }),
    { logger: false },
  );
  const rootKey = server.bootstrap.rootKey?.secret as string;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
  const harness: BrowserHarness = {
    server,
    rootKey,
    browser,
    async page() {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const problems: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error" && !/status of (401|403|404)/.test(m.text())) problems.push(m.text());
      });
      page.on("pageerror", (e) => problems.push(e.message));
      return { page, problems };
    },
    async api(method, path, body, key = rootKey) {
      const response = await fetch(server.url + path, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : null) as never };
    },
    async signIn(page, key = rootKey) {
      await page.goto(`${server.url}/dashboard/`);
      await page.getByLabel("Admin key").fill(key);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("heading", { name: "Overview", level: 1 }).waitFor();
    },
    async close() {
      await browser.close();
      await server.close();
      await store.drop();
    },
  };
  return harness;
}

/** Seeds one principal with `count` keys through the admin API; answers their ids and secrets. */
export async function seedKeys(h: BrowserHarness, owner: string, count: number) {
  const principal = await h.api<{ id: string }>("POST", "/v1/principals", {
    name: `svc-${owner}`,
    kind: "service",
    owner,
    allowedScopes: ["orders:read"],
  });
  const keys: { id: string; secret: string }[] = [];
  for (let i = 0; i < count; i++) {
    const issued = await h.api<{ key: { id: string }; secret: string }>("POST", "/v1/keys", {
      principalId: principal.body.id,
      scopes: ["orders:read"],
      expiresIn: "30d",
      description: `${owner} key ${i}`,
    });
    keys.push({ id: issued.body.key.id, secret: issued.body.secret });
  }
  return { principalId: principal.body.id, keys };
}

/** Asks the authority whether a token is still active (RFC 7662), as a service would. */
export async function introspect(h: BrowserHarness, token: string): Promise<boolean> {
  const response = await fetch(`${h.server.url}/oauth/introspect`, {
    method: "POST",
    headers: { authorization: `Bearer ${h.rootKey}`, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token }).toString(),
  });
  return ((await response.json()) as { active: boolean }).active;
}
