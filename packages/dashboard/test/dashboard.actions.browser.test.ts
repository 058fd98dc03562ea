/**
 * The dashboard's actions in Debian's Chromium against a real authority, each checked through the
 * API afterwards: a revoke by click (introspection says inactive), a bulk revoke that asks for
 * step-up, a rotation whose new secret is shown once, a campaign's dry run.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeAt } from "../../authority/test/stepup/helpers.js";
import {
  type BrowserHarness,
  CHROMIUM,
  HAS_CHROMIUM,
  introspect,
  seedKeys,
  startBrowserHarness,
} from "./browser-harness.js";

if (!HAS_CHROMIUM) {
  describe.skip(`dashboard actions in a browser: skipped, no Chromium at ${CHROMIUM} (apt-get install chromium)`, () => {
    it("needs chromium", () => {});
  });
} else {
  describe("dashboard actions in a browser", () => {
    let h: BrowserHarness;
    beforeAll(async () => {
      // Revoking more than two keys at once needs step-up (TOTP and a justification).
      h = await startBrowserHarness({ stepUpSelectorThreshold: 2 });
    });
    afterAll(async () => {
      await h?.close();
    });

    it("revokes a key from its page: the Revoke dialog asks a reason, the receipt shows, introspection says inactive", async () => {
      const { keys } = await seedKeys(h, "single", 1);
      const victim = keys[0] as { id: string; secret: string };
      expect(await introspect(h, victim.secret)).toBe(true);
      const { page, problems } = await h.page();
      await h.signIn(page);
      await page.goto(`${h.server.url}/dashboard/keys/${victim.id}`);
      await page.getByRole("button", { name: "Revoke" }).click();
      const dialog = page.getByRole("dialog");
      await dialog.getByLabel("Reason").fill("pasted in a support ticket");
      await dialog.getByRole("button", { name: "Revoke" }).click();
      await page.getByRole("status").filter({ hasText: "Receipt rct_" }).waitFor();
      expect(await introspect(h, victim.secret)).toBe(false);
      const shown = await h.api<{ state: string; revokedReason: string }>("GET", `/v1/keys/${victim.id}`);
      expect(shown.body).toMatchObject({ state: "revoked", revokedReason: "pasted in a support ticket" });
      await expect.poll(() => page.locator(".details .state").textContent()).toBe("revoked");
      expect(problems).toEqual([]);
    });

    it("bulk-revokes selected keys with step-up when the selection is above the threshold", async () => {
      const enrolled = await h.api<{ secret: string }>("POST", "/v1/me/totp");
      const secret = enrolled.body.secret;
      expect((await h.api("POST", "/v1/me/totp/activate", { otp: codeAt(secret, Date.now()) })).status).toBe(200);
      const { keys } = await seedKeys(h, "bulk", 3);
      const { page } = await h.page();
      await h.signIn(page);
      await page.goto(`${h.server.url}/dashboard/keys?owner=bulk`);
      for (const key of keys) await page.getByLabel(`Select ${key.id}`).check();
      await page.getByRole("button", { name: "Revoke selected" }).click();
      const dialog = page.getByRole("dialog");
      await dialog.getByLabel("Reason").fill("bulk incident 12");
      await dialog.getByRole("button", { name: "Revoke" }).click();
      // The authority answered step_up_required: the dialog now asks for a code and a justification.
      await dialog.getByLabel("TOTP code").fill(codeAt(secret, Date.now(), 1));
      await dialog.getByLabel("Justification").fill("INC-12: keys leaked in a build log");
      await dialog.getByRole("button", { name: "Revoke" }).click();
      await page.getByText("Revoked 3 keys.").waitFor();
      for (const key of keys) expect(await introspect(h, key.secret)).toBe(false);
      const audit = await h.api<{ items: { data: { stepUp?: { justification: string } } }[] }>(
        "GET",
        "/v1/audit?action=keys.revoked_by_selector",
      );
      expect(audit.body.items.at(-1)?.data.stepUp?.justification).toBe("INC-12: keys leaked in a build log");
    });

    it("rotates a key and shows the replacement's secret once, with a copy button", async () => {
      const { keys } = await seedKeys(h, "rotating", 1);
      const old = keys[0] as { id: string; secret: string };
      const { page } = await h.page();
      await h.signIn(page);
      await page.goto(`${h.server.url}/dashboard/keys/${old.id}`);
      await page.getByRole("button", { name: "Rotate" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Rotate" }).click();
      const secret = (await page.locator(".secret-value").textContent()) ?? "";
      expect(secret).toMatch(/^tsk_/);
      expect(await introspect(h, secret)).toBe(true);
      expect(await introspect(h, old.secret)).toBe(true);
      await page.getByRole("button", { name: "Copy secret" }).waitFor();
      await page.getByRole("button", { name: "I stored it" }).click();
      expect(await page.content()).not.toContain(secret);
    });

    it("creates a campaign and shows its dry run's blast radius before anything changes", async () => {
      await seedKeys(h, "campaigned", 2);
      const { page } = await h.page();
      await h.signIn(page);
      await page
        .getByRole("navigation", { name: "Main" })
        .getByRole("link", { name: "Campaigns", exact: true })
        .click();
      await page.getByLabel("Owner").fill("campaigned");
      await page.getByLabel("Description").fill("rotate the campaigned keys");
      await page.getByRole("button", { name: "Create draft" }).click();
      await page.getByText("2 keys would be rotated").waitFor();
      const campaigns = await h.api<{ items: { status: string; description: string }[] }>("GET", "/v1/campaigns");
      expect(campaigns.body.items.find((c) => c.description === "rotate the campaigned keys")?.status).toBe("draft");
    });
  });
}
