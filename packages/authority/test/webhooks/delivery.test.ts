/**
 * Webhook delivery end to end: events from real changes reach an HTTP receiver on 127.0.0.1,
 * signed; a receiver that is down or slow gets recorded retries with backoff and, once back,
 * every event, once; owner filters hold; a distributed secret is delivered once and erased.
 */
import { Webhook } from "standardwebhooks";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { runUnitOfWork } from "../../src/db/transaction.js";
import { verifyWebhookSignature } from "../../src/webhooks/verify-signature.js";
import { createHarness, type Harness } from "../harness.js";
import { describeEachStore } from "../stores.js";
import { type Received, type Receiver, startReceiver } from "./receiver.js";

describeEachStore("webhook delivery", (kind) => {
  let h: Harness;
  const receivers: Receiver[] = [];

  async function setup(overrides: Parameters<typeof createHarness>[1] = {}) {
    h = await createHarness(kind, overrides);
  }
  async function receiver(): Promise<Receiver> {
    const r = await startReceiver();
    receivers.push(r);
    return r;
  }
  async function endpoint(url: string, events: string[], owner?: string) {
    return h.authority.webhooks.create({ url, events, ...(owner ? { owner } : {}) }, h.system);
  }
  /** Verified by the `standardwebhooks` library, as a receiver would, at the test clock's time. */
  function standardVerified(received: Received, secret: string): boolean {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(h.clock.now());
    try {
      new Webhook(secret).verify(received.rawBody, received.headers as Record<string, string>);
      return true;
    } catch {
      return false;
    } finally {
      vi.useRealTimers();
    }
  }
  /** Both signatures verify: Standard Webhooks and the legacy Tessera-Signature. */
  function verified(received: Received, secret: string) {
    const nowSeconds = Math.floor(h.clock.now() / 1000);
    const header = received.headers["tessera-signature"] as string;
    const legacy = verifyWebhookSignature(received.rawBody, header, secret, 300, nowSeconds).ok;
    return legacy && standardVerified(received, secret);
  }
  async function deliveriesOf(webhookId: string) {
    return (await h.authority.webhooks.deliveries(webhookId, { limit: 1000 })).items;
  }

  beforeEach(async () => {
    await setup();
  });
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.close()));
    await h.close();
  });

  it("delivers signed lifecycle events with their id and type in headers, and no hash or secret", async () => {
    const r = await receiver();
    const { webhook, secret } = await endpoint(r.url, ["*"]);
    const key = await h.key(["orders:read"]);
    const rotated = await h.authority.lifecycle.rotate(key.id, {}, h.system);
    await h.authority.lifecycle.revoke(rotated.replacement.id, "done with it", h.system);
    await h.authority.leaks.report([{ token: key.secret, location: "ci.log:3" }], "revoke", h.system);
    await h.authority.principals.disable(key.principalId, "offboarded", h.system);

    const round = await h.authority.webhooks.runOnce();
    const types = r.received.map((x) => x.body.type).sort();
    expect(types).toEqual([
      "key.issued",
      "key.revoked",
      "key.revoked",
      "key.rotated",
      "leak.reported",
      "principal.disabled",
    ]);
    expect(round).toMatchObject({ delivered: 6, retrying: 0, failed: 0 });
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    for (const received of r.received) {
      expect(verified(received, secret)).toBe(true);
      expect(received.headers["webhook-id"]).toBe(received.body.id);
      expect(received.headers["tessera-event-id"]).toBe(received.body.id);
      expect(received.headers["tessera-event-type"]).toBe(received.body.type);
      expect(received.body.id).toMatch(/^evt_/);
      expect(received.rawBody).not.toContain(key.secret);
      expect(received.rawBody).not.toMatch(/"hash"/);
    }
    const data = (type: string) => r.received.filter((x) => x.body.type === type).map((x) => x.body.data);
    expect(data("key.issued")).toContainEqual(
      expect.objectContaining({ keyId: key.id, principalId: key.principalId, scopes: ["orders:read"] }),
    );
    expect(data("key.rotated")).toEqual([
      expect.objectContaining({ keyId: key.id, replacementKeyId: rotated.replacement.id }),
    ]);
    expect(data("key.revoked")).toContainEqual(
      expect.objectContaining({ keyIds: [rotated.replacement.id], principalId: key.principalId, cause: "key.revoke" }),
    );
    expect(data("leak.reported")).toEqual([
      expect.objectContaining({ keyId: key.id, location: "ci.log:3", actionTaken: "revoked" }),
    ]);
    expect(data("principal.disabled")).toEqual([expect.objectContaining({ principalId: key.principalId })]);
    expect((await deliveriesOf(webhook.id)).every((d) => d.status === "delivered" && d.attempts === 1)).toBe(true);
    // Nothing is sent twice.
    expect(await h.authority.webhooks.runOnce()).toMatchObject({ attempted: 0, enqueued: 0 });
    expect(r.received).toHaveLength(6);
  });

  it("receiver down: attempts recorded with backoff, delivered once it is back, nothing lost", async () => {
    const r = await receiver();
    const { webhook, secret } = await endpoint(r.url, ["key.issued"]);
    await r.down();
    const keys = [await h.key(["orders:read"]), await h.key(["orders:read"]), await h.key(["orders:read"])];

    const first = await h.authority.webhooks.runOnce();
    expect(first).toMatchObject({ enqueued: 3, attempted: 3, delivered: 0, retrying: 3 });
    let log = await deliveriesOf(webhook.id);
    for (const d of log) {
      expect(d).toMatchObject({
        status: "pending",
        attempts: 1,
        lastStatusCode: null,
        lastError: "connection refused",
      });
      const wait = Date.parse(d.nextAttemptAt as string) - Date.parse(d.lastAttemptAt as string);
      expect(wait).toBeGreaterThanOrEqual(8_000);
      expect(wait).toBeLessThanOrEqual(12_000);
    }
    // Not due yet: nothing is attempted.
    h.clock.advance(5_000);
    expect((await h.authority.webhooks.runOnce()).attempted).toBe(0);
    // Second attempt, still down: the next wait is longer (30 s ± 20%).
    h.clock.advance(8_000);
    expect((await h.authority.webhooks.runOnce()).attempted).toBe(3);
    log = await deliveriesOf(webhook.id);
    for (const d of log) {
      expect(d.attempts).toBe(2);
      const wait = Date.parse(d.nextAttemptAt as string) - Date.parse(d.lastAttemptAt as string);
      expect(wait).toBeGreaterThanOrEqual(24_000);
      expect(wait).toBeLessThanOrEqual(36_000);
    }
    await r.up();
    h.clock.advance(37_000);
    expect(await h.authority.webhooks.runOnce()).toMatchObject({ attempted: 3, delivered: 3 });
    log = await deliveriesOf(webhook.id);
    for (const d of log) {
      expect(d).toMatchObject({ status: "delivered", attempts: 3, lastStatusCode: 200, nextAttemptAt: null });
      expect(d.attemptLog.map((a) => a.statusCode)).toEqual([null, null, 200]);
      expect(d.attemptLog.map((a) => a.error)).toEqual(["connection refused", "connection refused", null]);
    }
    const keyIds = r.received.map((x) => x.body.data.keyId).sort();
    expect(keyIds).toEqual(keys.map((k) => k.id).sort());
    expect(new Set(r.received.map((x) => x.body.id)).size).toBe(3);
    expect(r.received.every((x) => verified(x, secret))).toBe(true);
  });

  it("gives up after the last retry (about a day), marks the delivery failed and audits it", async () => {
    const r = await receiver();
    r.mode = { kind: "status", status: 500 };
    const { webhook } = await endpoint(r.url, ["key.issued"]);
    await h.key(["orders:read"]);
    await h.authority.webhooks.runOnce();
    for (let i = 0; i < 8; i++) {
      h.clock.advance(15 * 3_600_000);
      expect((await h.authority.webhooks.runOnce()).attempted).toBe(1);
    }
    const [d] = await deliveriesOf(webhook.id);
    expect(d).toMatchObject({
      status: "failed",
      attempts: 9,
      lastStatusCode: 500,
      lastError: "HTTP 500",
      nextAttemptAt: null,
    });
    expect(r.received).toHaveLength(9);
    h.clock.advance(48 * 3_600_000);
    expect((await h.authority.webhooks.runOnce()).attempted).toBe(0);
    const audit = await h.authority.audit.list({ action: "webhook.delivery_failed", limit: 10 });
    expect(audit.items).toHaveLength(1);
    expect(audit.items[0]?.data).toMatchObject({ webhookId: webhook.id, attempts: 9, lastStatusCode: 500 });
  });

  it("filters by owner: an owner's endpoint sees only events about its principals", async () => {
    const [ra, rb, rall] = [await receiver(), await receiver(), await receiver()];
    await endpoint(ra.url, ["key.*", "principal.disabled"], "team-a");
    await endpoint(rb.url, ["key.revoked"], "team-b");
    await endpoint(rall.url, ["key.revoked"]);
    const a = await h.key(["orders:read"], { owner: "team-a" });
    const b = await h.key(["orders:read"], { owner: "team-b" });
    // One selector revocation across both owners becomes one event per principal.
    await h.authority.lifecycle.revokeBySelector({ scope: "orders:read" }, "incident", h.system);
    await h.authority.principals.disable(b.principalId, "gone", h.system);
    await h.authority.webhooks.runOnce();

    expect(ra.received.map((x) => x.body.type).sort()).toEqual(["key.issued", "key.revoked"]);
    expect(ra.received.find((x) => x.body.type === "key.revoked")?.body.data).toMatchObject({
      keyIds: [a.id],
      principalId: a.principalId,
    });
    expect(rb.received.map((x) => x.body.data.keyIds)).toEqual([[b.id]]);
    expect(rall.received.map((x) => x.body.data.keyIds).sort()).toEqual([[a.id], [b.id]].sort());
    // The same event carries the same id to every endpoint that receives it.
    const idOf = (list: Received[], keyId: string) =>
      list.find((x) => (x.body.data.keyIds as string[] | undefined)?.includes(keyId))?.body.id;
    expect(idOf(ra.received, a.id)).toBe(idOf(rall.received, a.id));
  });

  it("campaign events reach the endpoints of the owners whose keys the campaign rotated", async () => {
    const [ra, rb, rall] = [await receiver(), await receiver(), await receiver()];
    await endpoint(ra.url, ["campaign.*", "key.secret_distributed"], "team-a");
    await endpoint(rb.url, ["campaign.*"], "team-b");
    await endpoint(rall.url, ["campaign.*"]);
    await h.key(["orders:read"], { owner: "team-a" });
    await h.key(["orders:read"], { owner: "team-b" });
    const { campaign } = await h.authority.campaigns.create(
      { selector: { owner: "team-a" }, description: "team-a incident" },
      h.system,
    );
    await h.authority.campaigns.execute(campaign.id, {}, h.system);
    await h.authority.campaigns.rollback(campaign.id, { reason: "false alarm" }, h.system);
    await h.authority.webhooks.runOnce();

    const campaignEvents = (r: Receiver) =>
      r.received
        .map((x) => x.body.type)
        .filter((type) => type.startsWith("campaign."))
        .sort();
    // The keys are chosen at execution: campaign.created goes to endpoints without an owner only.
    expect(campaignEvents(ra)).toEqual(["campaign.executed", "campaign.rolled_back"]);
    expect(campaignEvents(rb)).toEqual([]);
    expect(campaignEvents(rall)).toEqual(["campaign.created", "campaign.executed", "campaign.rolled_back"]);
    expect(ra.received.find((x) => x.body.type === "campaign.executed")?.body.data).toMatchObject({
      campaignId: campaign.id,
      keys: 1,
    });
  });

  it("a slow endpoint times out and is retried, without holding up another endpoint", async () => {
    await h.close();
    await setup({ webhookTimeoutMs: 10_000 });
    const [slow, fast] = [await receiver(), await receiver()];
    slow.mode = { kind: "hang" };
    const slowHook = await endpoint(slow.url, ["key.issued"]);
    await endpoint(fast.url, ["key.issued"]);
    await h.key(["orders:read"]);
    const round = h.authority.webhooks.runOnce();
    // The fast endpoint has its event while the slow one is still holding its request.
    for (let i = 0; i < 500 && fast.received.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(fast.received).toHaveLength(1);
    expect(slow.received).toHaveLength(1);
    expect((await deliveriesOf(slowHook.webhook.id))[0]).toMatchObject({ status: "pending", attempts: 0 });
    await slow.down();
    await round;
    expect((await deliveriesOf(slowHook.webhook.id))[0]).toMatchObject({ status: "pending", attempts: 1 });

    // With a short timeout, a hanging receiver is cut off and the attempt recorded as a timeout.
    await h.close();
    await setup({ webhookTimeoutMs: 200 });
    const hanging = await receiver();
    hanging.mode = { kind: "hang" };
    const { webhook } = await endpoint(hanging.url, ["key.issued"]);
    await h.key(["orders:read"]);
    await h.authority.webhooks.runOnce();
    expect((await deliveriesOf(webhook.id))[0]).toMatchObject({
      status: "pending",
      attempts: 1,
      lastError: "timed out after 200 ms",
    });
    hanging.mode = { kind: "ok" };
    h.clock.advance(13_000);
    await h.authority.webhooks.runOnce();
    expect((await deliveriesOf(webhook.id))[0]).toMatchObject({ status: "delivered", attempts: 2 });
    expect(hanging.received.filter((x) => x.body.type === "key.issued")).toHaveLength(2);
  });

  it("an endpoint with a large backlog does not starve another endpoint", async () => {
    await h.close();
    await setup({ webhookTimeoutMs: 10_000 });
    const [backlogged, other] = [await receiver(), await receiver()];
    backlogged.mode = { kind: "hang" };
    const a = await endpoint(backlogged.url, ["key.issued"], "team-a");
    await endpoint(other.url, ["key.issued"], "team-b");
    // 300 deliveries already due for A, ahead of anything else.
    const { newDeliveryRow } = await import("../../src/webhooks/outbox.js");
    const now = h.clock.now();
    const rows = Array.from({ length: 300 }, (_, i) =>
      newDeliveryRow(
        a.webhook.id,
        { id: `evt_backlog${i}`, type: "key.issued", at: now, seq: 0, data: { n: i } },
        now - 1000,
      ),
    );
    for (let i = 0; i < rows.length; i += 100) {
      await h.authority.database.db
        .insertInto("webhook_deliveries")
        .values(rows.slice(i, i + 100))
        .execute();
    }
    const key = await h.key(["orders:read"], { owner: "team-b" });
    const round = h.authority.webhooks.runOnce();
    for (let i = 0; i < 500 && other.received.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(other.received.map((x) => x.body.data.keyId)).toEqual([key.id]);
    // A holds at most two attempts at once, still hanging.
    expect(backlogged.received.length).toBeLessThanOrEqual(2);
    await h.authority.webhooks.disable(a.webhook.id, "backlog test over", h.system);
    await backlogged.down();
    await round;
  });

  it("distributes a secret once to the owner's subscribed endpoints, then erases it", async () => {
    const [mine, wildcard, other] = [await receiver(), await receiver(), await receiver()];
    const { webhook, secret: signing } = await endpoint(mine.url, ["key.secret_distributed"], "team-a");
    await endpoint(wildcard.url, ["*"], "team-a");
    await endpoint(other.url, ["key.secret_distributed"], "team-b");
    const newSecret = `tsk_${"S".repeat(32)}abcdef`;
    const db = h.authority.database.db;
    const queued = await runUnitOfWork({ db, clock: h.clock, commitListener: undefined }, (unit) =>
      h.authority.webhooks.enqueueSecret(unit, {
        owner: "team-a",
        keyId: "key_x1",
        secret: newSecret,
        campaignId: "cmp_1",
      }),
    );
    expect(queued.endpoints).toBe(1);
    const nobody = await runUnitOfWork({ db, clock: h.clock, commitListener: undefined }, (unit) =>
      h.authority.webhooks.enqueueSecret(unit, {
        owner: "team-z",
        keyId: "key_x2",
        secret: newSecret,
        campaignId: "cmp_1",
      }),
    );
    expect(nobody).toMatchObject({ endpoints: 0, deliveryIds: [] });

    const stored = await db
      .selectFrom("webhook_deliveries")
      .selectAll()
      .where("event_type", "=", "key.secret_distributed")
      .execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]?.secret_enc).toMatch(/^v1\./);
    expect(JSON.stringify(stored)).not.toContain(newSecret);

    await h.authority.webhooks.runOnce();
    expect(mine.received).toHaveLength(1);
    expect(mine.received[0]?.body).toMatchObject({
      type: "key.secret_distributed",
      data: { keyId: "key_x1", campaignId: "cmp_1", secret: newSecret },
    });
    expect(verified(mine.received[0] as Received, signing)).toBe(true);
    expect(wildcard.received).toHaveLength(0);
    expect(other.received).toHaveLength(0);

    const after = await db
      .selectFrom("webhook_deliveries")
      .selectAll()
      .where("endpoint_id", "=", webhook.id)
      .executeTakeFirstOrThrow();
    expect(after).toMatchObject({ status: "delivered", secret_enc: null });
    h.clock.advance(86_400_000);
    await h.authority.webhooks.runOnce();
    expect(mine.received).toHaveLength(1);

    // Neither the new secret nor the endpoint's signing secret is stored in plaintext anywhere.
    for (const table of [
      "webhook_endpoints",
      "webhook_deliveries",
      "webhook_delivery_attempts",
      "audit_log",
      "change_log",
    ] as const) {
      const dump = JSON.stringify(await db.selectFrom(table).selectAll().execute());
      expect(dump, table).not.toContain(newSecret);
      expect(dump, table).not.toContain(signing);
    }
    const audit = await h.authority.audit.list({ action: "webhook.secret_delivered", limit: 10 });
    expect(audit.items[0]?.data).toMatchObject({ webhookId: webhook.id, secretErased: true });
  });

  it("queues a secret only if the caller's transaction commits", async () => {
    const r = await receiver();
    await endpoint(r.url, ["key.secret_distributed"], "team-a");
    const db = h.authority.database.db;
    await expect(
      runUnitOfWork({ db, clock: h.clock, commitListener: undefined }, async (unit) => {
        const queued = await h.authority.webhooks.enqueueSecret(unit, {
          owner: "team-a",
          keyId: "key_rb",
          secret: "rolled-back-secret",
          campaignId: "cmp_rb",
        });
        expect(queued.endpoints).toBe(1);
        throw new Error("the campaign failed after queueing");
      }),
    ).rejects.toThrow("the campaign failed");
    expect(await db.selectFrom("webhook_deliveries").selectAll().execute()).toEqual([]);
    await h.authority.webhooks.runOnce();
    expect(r.received).toHaveLength(0);
  });

  it("erases a distributed secret that could not be delivered, and cancels it when the endpoint is disabled", async () => {
    const r = await receiver();
    await r.down();
    const { webhook } = await endpoint(r.url, ["key.secret_distributed"], "team-a");
    const db = h.authority.database.db;
    const enqueue = (keyId: string) =>
      runUnitOfWork({ db, clock: h.clock, commitListener: undefined }, (unit) =>
        h.authority.webhooks.enqueueSecret(unit, {
          owner: "team-a",
          keyId,
          secret: `secret-for-${keyId}`,
          campaignId: "cmp_2",
        }),
      );
    await enqueue("key_a");
    await h.authority.webhooks.runOnce();
    for (let i = 0; i < 8; i++) {
      h.clock.advance(15 * 3_600_000);
      await h.authority.webhooks.runOnce();
    }
    const failed = await db
      .selectFrom("webhook_deliveries")
      .selectAll()
      .where("endpoint_id", "=", webhook.id)
      .execute();
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ status: "failed", secret_enc: null, attempts: 9 });

    await enqueue("key_b");
    await h.authority.webhooks.disable(webhook.id, "decommissioned", h.system);
    const rows = await db.selectFrom("webhook_deliveries").selectAll().where("endpoint_id", "=", webhook.id).execute();
    expect(rows.map((x) => [x.status, x.secret_enc])).toEqual(
      expect.arrayContaining([
        ["cancelled", null],
        ["failed", null],
      ]),
    );
    // A disabled endpoint gets nothing new, nor any secret.
    expect(await enqueue("key_c")).toMatchObject({ endpoints: 0 });
    await r.up();
    await h.key(["orders:read"]);
    await h.authority.webhooks.runOnce();
    expect(r.received).toHaveLength(0);
  });

  it("signs with both secrets during a rotation's grace window, then with the new one only", async () => {
    const r = await receiver();
    const created = await endpoint(r.url, ["key.issued"]);
    const rotated = await h.authority.webhooks.rotateSecret(created.webhook.id, 3_600_000, h.system);
    expect(rotated.secret).not.toBe(created.secret);
    expect(rotated.webhook.previousSecretUntil).not.toBeNull();
    await h.key(["orders:read"]);
    await h.authority.webhooks.runOnce();
    const during = r.received[0] as Received;
    expect((during.headers["tessera-signature"] as string).match(/v1=/g)).toHaveLength(2);
    expect((during.headers["webhook-signature"] as string).split(" ")).toHaveLength(2);
    expect(verified(during, created.secret)).toBe(true);
    expect(verified(during, rotated.secret)).toBe(true);

    h.clock.advance(3_600_001);
    await h.key(["orders:read"]);
    await h.authority.webhooks.runOnce();
    const later = r.received[1] as Received;
    expect((later.headers["tessera-signature"] as string).match(/v1=/g)).toHaveLength(1);
    expect((later.headers["webhook-signature"] as string).split(" ")).toHaveLength(1);
    expect(verified(later, rotated.secret)).toBe(true);
    expect(verified(later, created.secret)).toBe(false);
  });

  it("with TESSERA_WEBHOOK_LEGACY_SIGNATURE=off sends only the Standard Webhooks headers", async () => {
    await h.close();
    await setup({ webhookLegacySignature: false });
    const r = await receiver();
    const { secret } = await endpoint(r.url, ["key.issued"]);
    await h.key(["orders:read"]);
    await h.authority.webhooks.runOnce();
    const received = r.received[0] as Received;
    expect(received.headers["tessera-signature"]).toBeUndefined();
    expect(standardVerified(received, secret)).toBe(true);
    // A changed body or another endpoint's secret is refused by the library.
    expect(standardVerified({ ...received, rawBody: `${received.rawBody} ` }, secret)).toBe(false);
    const other = await endpoint(r.url, ["key.issued"]);
    expect(standardVerified(received, other.secret)).toBe(false);
  });

  it("an endpoint receives changes made after it was created, not the history before it", async () => {
    await h.key(["orders:read"]);
    const r = await receiver();
    await endpoint(r.url, ["key.issued"]);
    const later = await h.key(["orders:read"]);
    await h.authority.webhooks.runOnce();
    expect(r.received.map((x) => x.body.data.keyId)).toEqual([later.id]);
  });
});
