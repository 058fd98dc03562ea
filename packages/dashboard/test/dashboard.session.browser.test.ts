/**
 * Sign-in and the session in Debian's Chromium: a wrong key is refused with its code, a key
 * revoked while signed in sends the operator back to sign-in saying so, and a key without a
 * page's scope is told which scope it lacks.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BrowserHarness, CHROMIUM, HAS_CHROMIUM, startBrowserHarness } from "./browser-harness.js";

if (!HAS_CHROMIUM) {
  describe.skip(`dashboard sessions in a browser: skipped, no Chromium at ${CHROMIUM} (apt-get install chromium)`, () => {
    it("needs chromium", () => {});
  });
} else {
  describe("dashboard sessions in a browser", () => {
    let h: BrowserHarness;
    let operator: { principalId: string };
    beforeAll(async () => {
      h = await startBrowserHarness();
      const created = await h.api<{ id: string }>("POST", "/v1/principals", {
        name: "operator",
        kind: "user",
        owner: "secops",
        allowedScopes: ["keys:read"],
      });
      operator = { principalId: created.body.id };
    });
    afterAll(async () => {
      await h?.close();
    });

    const issueAdminKey = async () =>
      (
        await h.api<{ key: { id: string }; secret: string }>("POST", "/v1/keys", {
          principalId: operator.principalId,
          scopes: ["keys:read"],
          expiresIn: "1d",
        })
      ).body;

    it("refuses an unknown key at sign-in with the API's code and request id, and keeps nothing", async () => {
      const { page } = await h.page();
      await page.goto(`${h.server.url}/dashboard/`);
      await page.getByLabel("Admin key").fill("tsk_notarealkeyatall000000000000000000000000");
      await page.getByRole("button", { name: "Sign in" }).click();
      const alert = page.getByRole("alert");
      await alert.waitFor();
      expect(await alert.textContent()).toMatch(/code unauthenticated · request req_/);
      expect(await page.evaluate("sessionStorage.length")).toBe(0);
    });

    it("sends the operator back to sign-in, saying why, when the key is revoked meanwhile", async () => {
      const admin = await issueAdminKey();
      const { page } = await h.page();
      await h.signIn(page, admin.secret);
      await h.api("POST", `/v1/keys/${admin.key.id}/revoke`, { reason: "operator left" });
      // The authority's own key lookup hears of the revocation through its change feed (within
      // milliseconds, longer on a loaded machine): wait until the key is refused.
      await expect.poll(async () => (await h.api("GET", "/v1/me/totp", undefined, admin.secret)).status).toBe(401);
      // No click needed: the overview refreshes itself every 5 s, and its next call, refused,
      // sends the page back to sign-in with the reason.
      await page.getByText("Your admin key was revoked. Sign in again.").waitFor({ timeout: 15_000 });
      await page.getByLabel("Admin key").waitFor();
      expect(await page.evaluate("sessionStorage.length")).toBe(0);
    });

    it("names the scope a key lacks for a page", async () => {
      const admin = await issueAdminKey();
      const { page } = await h.page();
      await h.signIn(page, admin.secret);
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit", exact: true }).click();
      await page.getByText("This admin key lacks the scope audit:read.").waitFor();
      // Pages within its scopes work.
      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Keys", exact: true }).click();
      await expect.poll(() => page.getByRole("link", { name: /^key_/ }).count()).toBeGreaterThan(0);
    });
  });
}
