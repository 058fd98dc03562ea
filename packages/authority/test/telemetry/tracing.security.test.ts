/**
 * Tracing never carries a secret: with an in-memory exporter, a key is issued, presented,
 * introspected, rotated and revoked (with a receipt), and a webhook delivered; every attribute
 * and event attribute of every span is searched for each secret and hash involved.
 */
import { createHash } from "node:crypto";
import { context, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-node";
import { afterEach, beforeEach, expect, it } from "vitest";
import { createFeedFixture, eventually, type FeedFixture, startOn } from "../feed/fixture.js";
import { createTestStore, describeEachStore } from "../stores.js";
import { type Receiver, startReceiver } from "../webhooks/receiver.js";

describeEachStore("tracing", (kind) => {
  let f: FeedFixture;
  let exporter: InMemorySpanExporter;
  let provider: NodeTracerProvider;
  let receiver: Receiver;
  beforeEach(async () => {
    exporter = new InMemorySpanExporter();
    provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    provider.register();
    const store = await createTestStore(kind);
    f = await createFeedFixture(kind, { store, running: await startOn(store, { webhookAllowHosts: ["127.0.0.1"] }) });
    receiver = await startReceiver();
  });
  afterEach(async () => {
    await receiver.close();
    await f.close();
    await provider.shutdown();
    trace.disable();
    context.disable();
  });

  it("spans issue, revoke with its receipt, feed broadcast and webhook delivery, and never a secret", async () => {
    const call = async <T>(method: string, path: string, body?: unknown) =>
      (await f.request<T>(method, path, body)).body;
    const verifier = await f.verifier();
    const principal = await call<{ id: string }>("POST", "/v1/principals", {
      name: "svc",
      kind: "service",
      owner: "o",
      allowedScopes: ["a"],
    });
    const hook = await call<{ secret: string }>("POST", "/v1/webhooks", { url: receiver.url, events: ["key.*"] });
    const issued = await call<{ key: { id: string }; secret: string }>("POST", "/v1/keys", {
      principalId: principal.id,
      scopes: ["a"],
    });
    const rotated = await call<{ replacement: { id: string }; secret: string }>(
      "POST",
      `/v1/keys/${issued.key.id}/rotate`,
      {},
    );
    await fetch(`${f.running.url}/oauth/introspect`, {
      method: "POST",
      headers: { authorization: `Bearer ${f.adminKey}`, "content-type": "application/x-www-form-urlencoded" },
      body: `token=${rotated.secret}`,
    });
    await eventually(() => verifier.verify(rotated.secret).ok);
    const revoked = await call<{ receipt: { verifiers: { total: number } } }>(
      "POST",
      `/v1/keys/${rotated.replacement.id}/revoke?wait=2s`,
      { reason: "done" },
    );
    expect(revoked.receipt.verifiers.total).toBeGreaterThan(0);
    await f.running.authority.webhooks.runOnce();
    expect(receiver.received.length).toBeGreaterThan(0);

    const spans = exporter.getFinishedSpans();
    const names = new Set(spans.map((s) => s.name));
    for (const name of [
      "tessera.key.issue",
      "tessera.key.revoke",
      "tessera.receipt",
      "tessera.feed.broadcast",
      "tessera.webhook.deliver",
    ]) {
      expect(names, name).toContain(name);
    }
    const revoke = spans.find((s) => s.name === "tessera.key.revoke");
    expect(revoke?.attributes["tessera.key.id"]).toBe(rotated.replacement.id);
    const receipt = spans.find((s) => s.name === "tessera.receipt");
    expect(receipt?.events.map((e) => e.name)).toEqual(["tessera.receipt.confirmations"]);

    const secrets = [f.adminKey, issued.secret, rotated.secret, hook.secret];
    const hashes = secrets.map((s) => createHash("sha256").update(s).digest("base64url"));
    const everything = JSON.stringify(
      spans.map((s) => ({
        name: s.name,
        attributes: s.attributes,
        events: s.events.map((e) => e.attributes),
        status: s.status,
      })),
    );
    for (const value of [...secrets, ...hashes]) expect(everything).not.toContain(value);
  });
});
