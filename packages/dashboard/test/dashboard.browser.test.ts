/**
 * The dashboard in Debian's Chromium against a real authority: sign-in, every page through the
 * navigation, the CSP header with no violation, keyboard-only use, and axe-core's check.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BrowserHarness, CHROMIUM, HAS_CHROMIUM, seedKeys, startBrowserHarness } from "./browser-harness.js";

const NAV = ["Overview", "Keys", "Principals", "Findings", "Campaigns", "Leaks", "Audit", "Verifiers", "Webhooks"];
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core run in the page (page.evaluate is not subject to the page's CSP); serious and worse. */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  const violations = (await page.evaluate(
    "axe.run(document, { resultTypes: ['violations'] }).then(r => r.violations)",
  )) as AxeViolation[];
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

if (!HAS_CHROMIUM) {
  describe.skip(`dashboard in a browser: skipped, no Chromium at ${CHROMIUM} (apt-get install chromium)`, () => {
    it("needs chromium", () => {});
  });
} else {
  describe("dashboard in a browser", () => {
    let h: BrowserHarness;
    beforeAll(async () => {
      h = await startBrowserHarness();
      await seedKeys(h, "payments", 3);
    });
    afterAll(async () => {
      await h?.close();
    });

    it("is served with a strict Content-Security-Policy and no inline script", async () => {
      const response = await fetch(`${h.server.url}/dashboard/`);
      expect(response.status).toBe(200);
      const csp = response.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain("unsafe-inline");
      expect(csp).not.toContain("unsafe-eval");
      const html = await response.text();
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      // A page path answers the app too (it routes in the browser); a missing asset is a 404.
      expect((await fetch(`${h.server.url}/dashboard/keys/key_abc`)).status).toBe(200);
      expect((await fetch(`${h.server.url}/dashboard/assets/missing.js`)).status).toBe(404);
    });

    it("signs in with the root key, opens every page from the navigation, and signing out forgets the key", async () => {
      const { page, problems } = await h.page();
      await h.signIn(page);
      expect(await page.evaluate("localStorage.length")).toBe(0);
      expect(await page.evaluate("document.cookie")).toBe("");
      for (const name of NAV) {
        await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name, exact: true }).click();
        await page.getByRole("heading", { name, level: 1 }).waitFor();
        // Each page's API calls succeed with the root key: no error notice appears.
        await page.waitForLoadState("networkidle");
        expect(await page.getByRole("alert").allTextContents(), name).toEqual([]);
      }
      // The root key's secret is never rendered once signed in.
      expect(await page.content()).not.toContain(h.rootKey);
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.getByLabel("Admin key").waitFor();
      expect(await page.evaluate("sessionStorage.length")).toBe(0);
      await page.reload();
      await page.getByLabel("Admin key").waitFor();
      expect(problems).toEqual([]);
    });

    it("shows the overview's figures and keeps the keys page's filters in the URL", async () => {
      const { page, problems } = await h.page();
      await h.signIn(page);
      await expect.poll(() => page.locator('[data-state="active"]').textContent()).toBe("4");
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Keys", exact: true }).click();
      await page.getByLabel("Owner").fill("payments");
      await page.getByRole("button", { name: "Apply filters" }).click();
      await expect.poll(() => page.url()).toContain("owner=payments");
      await expect.poll(() => page.getByRole("link", { name: /^key_/ }).count()).toBe(3);
      // Reloading the URL gives the same view: the filters live in it.
      await page.reload();
      await expect.poll(() => page.getByRole("link", { name: /^key_/ }).count()).toBe(3);
      expect(await page.getByLabel("Owner").inputValue()).toBe("payments");
      // Every row's sparkline came from one batched usage request.
      await expect.poll(() => page.locator("svg.sparkline").count()).toBe(3);
      expect(problems).toEqual([]);
    });

    it("can be used with the keyboard alone", async () => {
      const { page } = await h.page();
      await page.goto(`${h.server.url}/dashboard/`);
      await page.keyboard.press("Tab");
      expect(await page.evaluate("document.activeElement?.getAttribute('name')")).toBe("admin-key");
      await page.keyboard.type(h.rootKey);
      await page.keyboard.press("Enter");
      await page.getByRole("heading", { name: "Overview", level: 1 }).waitFor();
      // Tab to the "Keys" link and follow it with Enter.
      for (let i = 0; i < 20; i++) {
        await page.keyboard.press("Tab");
        if ((await page.evaluate("document.activeElement?.textContent")) === "Keys") break;
      }
      await page.keyboard.press("Enter");
      await page.getByRole("heading", { name: "Keys", level: 1 }).waitFor();
      expect(page.url()).toMatch(/\/dashboard\/keys$/);
    });

    it("has no serious or critical accessibility violations (axe-core) on its main pages", async () => {
      const { page } = await h.page();
      await page.goto(`${h.server.url}/dashboard/`);
      expect(await seriousViolations(page)).toEqual([]);
      await h.signIn(page);
      await page.waitForTimeout(500);
      expect(await seriousViolations(page)).toEqual([]);
      for (const name of ["Keys", "Principals", "Audit", "Campaigns"]) {
        await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name, exact: true }).click();
        await page.getByRole("heading", { name, level: 1 }).waitFor();
        await page.waitForTimeout(300);
        expect(await seriousViolations(page), name).toEqual([]);
      }
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Keys", exact: true }).click();
      await page.getByRole("link", { name: /^key_/ }).first().click();
      await page.getByRole("button", { name: "Revoke" }).waitFor();
      expect(await seriousViolations(page), "key page").toEqual([]);
    });
  });
}
