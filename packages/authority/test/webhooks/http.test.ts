/**
 * The webhook admin API: create (secret shown once), list, show, disable, rotate, test and the
 * delivery log; bad input refused with a stable code and nothing changed; no secret in
 * responses after creation, in logs or in the audit trail.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { verifyWebhookSignature } from "../../src/webhooks/verify-signature.js";
import { createHttpHarness, type HttpHarness } from "../http-harness.js";
import { describeEachStore } from "../stores.js";
import { type Receiver, startReceiver } from "./receiver.js";

describeEachStore("webhooks admin API", (kind) => {
  let h: HttpHarness;
  let r: Receiver;
  beforeAll(async () => {
    h = await createHttpHarness(kind);
    r = await startReceiver();
  });
  afterAll(async () => {
    await r.close();
    await h.close();
  });

  const count = async () => (await h.authority.webhooks.list({ limit: 1000 })).items.length;

  it("creates an endpoint, shows its secret once, and never again", async () => {
    const created = await h.call("POST", "/v1/webhooks", {
      body: { url: r.url, owner: "team-a", events: ["key.revoked", "campaign.*"], description: "pager" },
    });
    expect(created.statusCode).toBe(201);
    const { webhook, secret } = created.json();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(webhook).toMatchObject({
      url: r.url,
      owner: "team-a",
      events: ["campaign.*", "key.revoked"],
      status: "active",
    });
    const shown = await h.call("GET", `/v1/webhooks/${webhook.id}`);
    expect(shown.statusCode).toBe(200);
    expect(shown.body).not.toContain(secret);
    const listed = await h.call("GET", "/v1/webhooks?owner=team-a");
    expect(listed.json().items.map((w: { id: string }) => w.id)).toContain(webhook.id);
    expect(listed.body).not.toContain(secret);
    const audit = await h.call("GET", `/v1/audit?targetId=${webhook.id}`);
    expect(audit.json().items.map((a: { action: string }) => a.action)).toEqual(["webhook.created"]);
    expect(audit.body).not.toContain(secret);
    expect(h.logs.join("\n")).not.toContain(secret);
    const stored = await h.authority.database.db.selectFrom("webhook_endpoints").selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain(secret);
  });

  it("refuses bad input with 400 validation_failed naming the field, and creates nothing", async () => {
    const before = await count();
    const cases: Array<[unknown, string]> = [
      [{ url: "http://hooks.example.com/x", events: ["key.revoked"] }, "url"],
      [{ url: "https://user:pw@hooks.example.com/x", events: ["key.revoked"] }, "url"],
      [{ url: "javascript:alert(1)", events: ["key.revoked"] }, "url"],
      [{ url: "https://hooks.example.com/x", events: ["key.stolen"] }, "events"],
      [{ url: "https://hooks.example.com/x", events: [] }, "body.events"],
      [{ url: "https://hooks.example.com/x", events: ["key.secret_distributed"] }, "events"],
      [{ url: "https://hooks.example.com/x", events: ["*"], owner: " " }, "owner"],
      [{ url: "https://hooks.example.com/x", events: ["*"], secret: "mine" }, "body.secret"],
      [{ events: ["*"] }, "body.url"],
    ];
    for (const [body, field] of cases) {
      const response = await h.call("POST", "/v1/webhooks", { body });
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.json().error).toMatchObject({ code: "validation_failed", details: { field } });
    }
    expect(
      (await h.call("POST", "/v1/webhooks", { body: "{not json", headers: { "content-type": "application/json" } }))
        .statusCode,
    ).toBe(400);
    expect(await count()).toBe(before);
  });

  it("answers 404 for an unknown endpoint and 400 for a malformed id", async () => {
    for (const [method, path] of [
      ["GET", ""],
      ["GET", "/deliveries"],
      ["DELETE", ""],
    ] as const) {
      const response = await h.call(method, `/v1/webhooks/whk_doesnotexist${path}`);
      expect(response.statusCode).toBe(404);
      expect(response.json().error.code).toBe("not_found");
    }
    expect((await h.call("POST", "/v1/webhooks/whk_doesnotexist/test", { body: {} })).statusCode).toBe(404);
    expect((await h.call("POST", "/v1/webhooks/whk_doesnotexist/rotate-secret", { body: {} })).statusCode).toBe(404);
    expect((await h.call("GET", "/v1/webhooks/not-an-id")).json().error.code).toBe("validation_failed");
  });

  it("sends a signed test event, logs the attempt without the payload, rotates the secret", async () => {
    const { webhook, secret } = (
      await h.call("POST", "/v1/webhooks", { body: { url: r.url, events: ["key.issued"] } })
    ).json();
    const test = await h.call("POST", `/v1/webhooks/${webhook.id}/test`, { body: {} });
    expect(test.statusCode).toBe(202);
    expect(test.json()).toMatchObject({
      webhookId: webhook.id,
      eventType: "webhook.test",
      status: "pending",
      attempts: 0,
    });
    await h.authority.webhooks.runOnce();
    const received = r.received.find((x) => x.body.id === test.json().eventId);
    expect(received?.body.data).toMatchObject({ webhookId: webhook.id });
    const nowSeconds = Math.floor(h.clock.now() / 1000);
    expect(
      verifyWebhookSignature(
        received?.rawBody ?? "",
        received?.headers["tessera-signature"] as string,
        secret,
        300,
        nowSeconds,
      ).ok,
    ).toBe(true);

    const log = await h.call("GET", `/v1/webhooks/${webhook.id}/deliveries`);
    expect(log.statusCode).toBe(200);
    const [entry] = log.json().items;
    expect(entry).toMatchObject({
      eventType: "webhook.test",
      status: "delivered",
      attempts: 1,
      lastStatusCode: 200,
      lastError: null,
    });
    expect(entry.attemptLog).toEqual([expect.objectContaining({ attempt: 1, statusCode: 200, error: null })]);
    expect(log.body).not.toContain("a test event");
    expect((await h.call("GET", `/v1/webhooks/${webhook.id}/deliveries?status=failed`)).json().items).toEqual([]);

    const rotated = await h.call("POST", `/v1/webhooks/${webhook.id}/rotate-secret`, { body: { grace: "1h" } });
    expect(rotated.statusCode).toBe(200);
    expect(rotated.json().secret).toMatch(/^whsec_/);
    expect(rotated.json().secret).not.toBe(secret);
    expect(Date.parse(rotated.json().webhook.previousSecretUntil)).toBe(h.clock.now() + 3_600_000);
    expect(
      (await h.call("POST", `/v1/webhooks/${webhook.id}/rotate-secret`, { body: { grace: "soon" } })).statusCode,
    ).toBe(400);
    expect(h.logs.join("\n")).not.toContain(rotated.json().secret);
  });

  it("exposes attempts by outcome and the backlog as metrics, with no URL or secret in them", async () => {
    const down = await startReceiver();
    await down.down();
    const { webhook, secret } = (
      await h.call("POST", "/v1/webhooks", { body: { url: down.url, events: ["key.issued"] } })
    ).json();
    await h.key(["orders:read"]);
    await h.authority.webhooks.runOnce();
    const text = (await h.call("GET", "/metrics", { key: null })).body;
    expect(text).toMatch(/tessera_webhook_attempts_total\{outcome="delivered"\} [1-9]/);
    expect(text).toMatch(/tessera_webhook_attempts_total\{outcome="retrying"\} [1-9]/);
    expect(text).toMatch(/tessera_webhook_deliveries\{status="pending"\} [1-9]/);
    expect(text).toMatch(/tessera_webhook_oldest_pending_seconds \d/);
    expect(text).not.toContain(secret);
    expect(text).not.toContain(down.url);
    await h.authority.webhooks.disable(webhook.id, undefined, h.system);
  });

  it("disables an endpoint (idempotently); a disabled one cannot be tested or rotated", async () => {
    const { webhook } = (await h.call("POST", "/v1/webhooks", { body: { url: r.url, events: ["*"] } })).json();
    const removed = await h.call("DELETE", `/v1/webhooks/${webhook.id}?reason=retired`);
    expect(removed.statusCode).toBe(200);
    expect(removed.json()).toMatchObject({ status: "disabled", disabledReason: "retired" });
    const again = await h.call("DELETE", `/v1/webhooks/${webhook.id}`);
    expect(again.json()).toMatchObject({ status: "disabled", disabledReason: "retired" });
    for (const path of ["test", "rotate-secret"]) {
      const response = await h.call("POST", `/v1/webhooks/${webhook.id}/${path}`, { body: {} });
      expect(response.statusCode).toBe(409);
      expect(response.json().error.code).toBe("conflict");
    }
    const disabled = (await h.call("GET", "/v1/webhooks?status=disabled")).json().items;
    expect(disabled.map((w: { id: string }) => w.id)).toContain(webhook.id);
    const audit = (await h.call("GET", `/v1/audit?targetId=${webhook.id}`)).json().items;
    expect(audit.map((a: { action: string }) => a.action)).toEqual(["webhook.created", "webhook.disabled"]);
  });
});
