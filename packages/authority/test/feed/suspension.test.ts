/**
 * Suspension and canaries end to end: the admin API, the change feed and real verifiers (and
 * the node:http middleware for canaries). A suspended key is refused by connected verifiers
 * before the suspend request answers with its receipt, and by verifiers connecting later
 * (snapshot); a canary is answered as an unknown key and its use reaches the authority at once.
 */
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createVerifier, generateToken, tesseraNodeHttp } from "@tessera/verifier";
import { afterEach, beforeEach, expect, it } from "vitest";
import type { CanaryUse } from "../../src/keys/index.js";
import { describeEachStore } from "../stores.js";
import { createFeedFixture, eventually, type FeedFixture } from "./fixture.js";

interface Answer {
  key: { id: string; state: string };
  changed: boolean;
  sequence: number | null;
  receipt: { verifiers: { confirmed: number; total: number }; complete: boolean } | null;
}

describeEachStore("suspension through the feed", (kind) => {
  let f: FeedFixture;
  beforeEach(async () => {
    f = await createFeedFixture(kind);
  });
  afterEach(async () => {
    await f.close();
  });

  it("refuses a suspended key on every verifier before the answer, on later ones too, and accepts it after resume", async () => {
    const verifier = await f.verifier();
    const key = await f.key(["orders:read"]);
    await eventually(() => verifier.verify(key.secret).ok);
    const suspended = await f.request<Answer>("POST", `/v1/keys/${key.id}/suspend?wait=10s`, { reason: "odd" });
    expect(suspended.status).toBe(200);
    expect(suspended.body).toMatchObject({ changed: true, key: { state: "suspended" } });
    expect(suspended.body.receipt).toMatchObject({ verifiers: { confirmed: 1, total: 1 }, complete: true });
    expect(verifier.verify(key.secret)).toEqual({ ok: false, reason: "suspended" });
    // A verifier connecting now (from a fresh or a shared, slightly older snapshot and the
    // changes after it) refuses the key as suspended too.
    const later = await f.verifier();
    await eventually(
      () => !later.verify(key.secret).ok && later.status().appliedSequence >= (suspended.body.sequence ?? 0),
    );
    expect(later.verify(key.secret)).toEqual({ ok: false, reason: "suspended" });
    const listed = await f.request<{ items: Array<{ id: string }> }>("GET", "/v1/keys?state=suspended");
    expect(listed.body.items.map((k) => k.id)).toEqual([key.id]);

    const resumed = await f.request<Answer>("POST", `/v1/keys/${key.id}/resume?wait=10s`, { reason: "cleared" });
    expect(resumed.body).toMatchObject({ changed: true, key: { state: "active" } });
    expect(resumed.body.receipt).toMatchObject({ verifiers: { confirmed: 2, total: 2 }, complete: true });
    for (const v of [verifier, later]) expect(v.verify(key.secret)).toMatchObject({ ok: true, keyId: key.id });

    await f.request("POST", `/v1/keys/${key.id}/suspend?wait=10s`, { reason: "again" });
    await f.request("POST", `/v1/keys/${key.id}/revoke?wait=10s`, { reason: "confirmed" });
    for (const v of [verifier, later]) expect(v.verify(key.secret)).toEqual({ ok: false, reason: "revoked" });
  });

  it("suspends and resumes a principal's keys on verifiers", async () => {
    const verifier = await f.verifier();
    const key = await f.key(["orders:read"]);
    await eventually(() => verifier.verify(key.secret).ok);
    const suspended = await f.request<{ keyIds: string[]; receipt: Answer["receipt"] }>(
      "POST",
      `/v1/principals/${key.principalId}/suspend?wait=10s`,
      { reason: "investigation" },
    );
    expect(suspended.status).toBe(200);
    expect(suspended.body.keyIds).toEqual([key.id]);
    expect(suspended.body.receipt?.complete).toBe(true);
    expect(verifier.verify(key.secret)).toEqual({ ok: false, reason: "suspended" });
    await f.request("POST", `/v1/principals/${key.principalId}/resume?wait=10s`, { reason: "cleared" });
    expect(verifier.verify(key.secret).ok).toBe(true);
  });
});

describeEachStore("canary keys through the feed", (kind) => {
  let f: FeedFixture;
  let server: Server | undefined;
  beforeEach(async () => {
    f = await createFeedFixture(kind);
  });
  afterEach(async () => {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await f.close();
  });

  it("answers a canary as unknown behind middleware and reports its use at once, audited and handed to subscribers", async () => {
    const principal = await f.key(["orders:read"]);
    const issued = await f.request<{ key: { id: string; canary: boolean; scopes: string[] }; secret: string }>(
      "POST",
      "/v1/keys",
      { principalId: principal.principalId, canary: true, description: "decoy" },
    );
    expect(issued.status).toBe(201);
    expect(issued.body.key).toMatchObject({ canary: true, scopes: [] });
    const refused = await f.request<{ error: { code: string; details: { field: string } } }>("POST", "/v1/keys", {
      principalId: principal.principalId,
      canary: true,
      scopes: ["orders:read"],
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: "validation_failed", details: { field: "scopes" } });
    const heard: CanaryUse[] = [];
    f.running.authority.canaries.subscribe((uses) => void heard.push(...uses));

    // Usage batches every minute: only the canary's immediate report can arrive in time.
    const verifier = createVerifier({
      url: f.running.url,
      credential: f.adminKey,
      name: "canary-test",
      usage: { intervalMs: 60_000 },
    });
    try {
      await verifier.ready(20_000);
      const authenticate = tesseraNodeHttp({ verifier, scopes: ["orders:read"] });
      server = createServer(async (req, res) => {
        if (await authenticate(req, res)) res.end("ok");
      });
      await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/orders`;
      const call = async (token: string) => {
        const response = await fetch(url, { headers: { authorization: `Bearer ${token}`, "user-agent": "thief/1.0" } });
        return {
          status: response.status,
          challenge: response.headers.get("www-authenticate"),
          body: await response.text(),
        };
      };
      const unknown = await call(generateToken("tsk", (n) => new Uint8Array(randomBytes(n))));
      expect(unknown.status).toBe(401);
      expect(await call(issued.body.secret)).toEqual(unknown);
      await eventually(() => heard.length > 0, 5_000);
      expect(heard[0]).toMatchObject({
        keyId: issued.body.key.id,
        principalId: principal.principalId,
        reportedBy: verifier.instance,
        route: "/orders",
        address: "127.0.0.1",
        userAgent: "thief/1.0",
        count: 1,
      });
      const audit = await f.request<{ items: Array<{ targetId: string; data: Record<string, unknown> }> }>(
        "GET",
        "/v1/audit?action=key.canary_used",
      );
      expect(audit.body.items[0]).toMatchObject({
        targetId: issued.body.key.id,
        data: { reportedBy: verifier.instance },
      });
      const metrics = await (await fetch(`${f.running.url}/metrics`)).text();
      expect(metrics).toMatch(/tessera_canary_uses_total\{source="verifier"\} 1/);
      const listed = await f.request<{ items: Array<{ id: string }> }>("GET", "/v1/keys?canary=true");
      expect(listed.body.items.map((k) => k.id)).toEqual([issued.body.key.id]);
    } finally {
      await verifier.close();
    }
  });

  it("ignores usage entries that claim a canary for a key that is not one", async () => {
    const real = await f.key();
    const entry = { keyId: real.id, kind: "api_key", outcome: "canary", route: "/", address: "x", userAgent: "y" };
    const response = await f.request("POST", "/v1/verifiers/usage", {
      verifierId: "vfy_liar",
      entries: [{ ...entry, count: 3, lastAt: Date.now() }],
      dropped: 0,
    });
    expect(response.status).toBe(204);
    const audit = await f.request<{ items: unknown[] }>("GET", "/v1/audit?action=key.canary_used");
    expect(audit.body.items).toEqual([]);
  });
});
