/**
 * The usage store over HTTP: verifiers' reports become per-key series by outcome, the
 * addresses, networks, user agents and routes a key was seen with, many keys' totals at once,
 * and fleet totals; bad reports are refused or bounded; retention drops what is old.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { networkOf } from "../../src/usage/index.js";
import { createHttpHarness, type HttpHarness } from "../http-harness.js";
import { describeEachStore } from "../stores.js";

interface Entry {
  keyId: string | null;
  kind?: "api_key" | "access_token" | null;
  outcome: string;
  route?: string;
  address?: string;
  userAgent?: string;
  count?: number;
  lastAt?: number;
}

describeEachStore("usage store", (kind) => {
  let h: HttpHarness;
  beforeEach(async () => {
    h = await createHttpHarness(kind, { usageSeenLimit: 3 });
  });
  afterEach(async () => {
    await h.close();
  });

  const report = (entries: Entry[]) =>
    h.call("POST", "/v1/verifiers/usage", {
      body: {
        verifierId: "vfy_test",
        dropped: 0,
        entries: entries.map((e) => ({
          kind: "api_key",
          route: "GET /orders",
          address: "10.1.2.3",
          userAgent: "orders-client/1.0",
          count: 1,
          lastAt: h.clock.now(),
          ...e,
        })),
      },
    });

  it("keeps each key's series by outcome and what it was seen with, from verifiers' reports", async () => {
    const a = await h.key(["orders:read"]);
    const b = await h.key(["orders:read"]);
    const accepted = await report([
      { keyId: a.id, outcome: "ok", count: 5 },
      { keyId: a.id, outcome: "ok", count: 2, address: "2001:db8:1:2::7", userAgent: "curl/8" },
      { keyId: a.id, outcome: "scope_insufficient", count: 1, route: "POST /orders" },
      { keyId: b.id, outcome: "ok", count: 4 },
      { keyId: "key_doesnotexist00000000", outcome: "ok", count: 9 },
      { keyId: null, kind: null, outcome: "unknown", count: 3 },
    ]);
    expect(accepted.statusCode, accepted.body).toBe(204);
    await h.authority.usageStore.flush();

    const usage = (await h.call("GET", `/v1/keys/${a.id}/usage?bucket=minute`)).json();
    expect(usage.totals).toEqual({ ok: 7, scope_insufficient: 1 });
    expect(usage.series).toHaveLength(60);
    expect(usage.series.at(-1)).toMatchObject({ total: 8, outcomes: { ok: 7, scope_insufficient: 1 } });
    expect(usage.addresses.map((s: { value: string; count: number }) => [s.value, s.count])).toEqual([
      ["10.1.2.3", 6],
      ["2001:db8:1:2::7", 2],
    ]);
    expect(usage.networks.map((s: { value: string }) => s.value)).toEqual(["10.1.2.0/24", "2001:db8:1::/48"]);
    expect(usage.userAgents.map((s: { value: string }) => s.value)).toEqual(["orders-client/1.0", "curl/8"]);
    expect(usage.routes.map((s: { value: string }) => s.value)).toEqual(["GET /orders", "POST /orders"]);
    expect(usage.addresses[0].firstSeen).toBe(new Date(h.clock.now()).toISOString());

    // A second report adds to the same buckets and seen values.
    await report([{ keyId: a.id, outcome: "ok", count: 10 }]);
    await h.authority.usageStore.flush();
    const hourly = (await h.call("GET", `/v1/keys/${a.id}/usage`)).json();
    expect(hourly).toMatchObject({ bucket: "hour", totals: { ok: 17, scope_insufficient: 1 } });
    expect(hourly.series).toHaveLength(24);
    expect(hourly.addresses[0]).toMatchObject({ value: "10.1.2.3", count: 16 });

    const many = (await h.call("POST", "/v1/keys/usage", { body: { ids: [a.id, b.id], bucket: "day" } })).json();
    expect(many.keys.map((k: { keyId: string; total: number }) => [k.keyId, k.total])).toEqual([
      [a.id, 18],
      [b.id, 4],
    ]);
    expect(many.keys[0].series).toHaveLength(30);

    // The fleet counts every report, unknown keys and tokens that named none included.
    const fleet = (await h.call("GET", "/v1/usage?bucket=minute")).json();
    expect(fleet).toMatchObject({ verifications: 34, ok: 30, blocked: { scope_insufficient: 1, unknown: 3 } });
    // An entry for a key that does not exist is not kept per key.
    const rows = await h.authority.database.db.selectFrom("key_usage").select("key_id").distinct().execute();
    expect(rows.map((r) => r.key_id).sort()).toEqual([a.id, b.id].sort());
  });

  it("keeps the most used values per key and counts the rest as dropped", async () => {
    const a = await h.key(["orders:read"]);
    await report(
      ["ua-1", "ua-2", "ua-3", "ua-4", "ua-5"].map((userAgent, i) => ({
        keyId: a.id,
        outcome: "ok",
        userAgent,
        count: 10 - i,
      })),
    );
    await h.authority.usageStore.flush();
    const usage = (await h.call("GET", `/v1/keys/${a.id}/usage`)).json();
    expect(usage.userAgents.map((s: { value: string }) => s.value)).toEqual(["ua-1", "ua-2", "ua-3"]);
    expect(usage.dropped).toEqual({ userAgents: 2 });
  });

  it("refuses absurd reports and bounds lying times; bad questions are 400 naming the field", async () => {
    const a = await h.key(["orders:read"]);
    for (const count of [0, -1, 1e12]) {
      const bad = await report([{ keyId: a.id, outcome: "ok", count }]);
      expect(bad.statusCode, String(count)).toBe(400);
      expect(bad.json().error.code).toBe("validation_failed");
    }
    // A time in the future counts now; one from long ago counts at most ten minutes back.
    await report([
      { keyId: a.id, outcome: "ok", lastAt: h.clock.now() + 86_400_000 },
      { keyId: a.id, outcome: "ok", lastAt: 1 },
    ]);
    await h.authority.usageStore.flush();
    const usage = (await h.call("GET", `/v1/keys/${a.id}/usage?bucket=minute`)).json();
    expect(usage.totals).toEqual({ ok: 2 });

    const questions: [string, string][] = [
      [`/v1/keys/${a.id}/usage?bucket=week`, "bucket"],
      [`/v1/keys/${a.id}/usage?from=yesterday`, "from"],
      [`/v1/keys/${a.id}/usage?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z`, "from"],
      [`/v1/keys/${a.id}/usage?bucket=minute&from=2025-01-01T00:00:00Z`, "from"],
    ];
    for (const [url, field] of questions) {
      const response = await h.call("GET", url);
      expect(response.statusCode, url).toBe(400);
      expect(JSON.stringify(response.json()), url).toContain(field);
    }
    expect((await h.call("GET", "/v1/keys/key_unknown00000000000000/usage")).statusCode).toBe(404);
    const tooMany = Array.from({ length: 1001 }, (_, i) => `key_${String(i).padStart(20, "0")}`);
    expect((await h.call("POST", "/v1/keys/usage", { body: { ids: tooMany } })).statusCode).toBe(400);
  });

  it("retention drops minute counts first, then hour counts and seen values", async () => {
    const a = await h.key(["orders:read"]);
    await report([{ keyId: a.id, outcome: "ok", count: 3 }]);
    await h.authority.usageStore.flush();
    const granularities = async () =>
      (await h.authority.database.db.selectFrom("key_usage").select("granularity").execute())
        .map((r) => r.granularity)
        .sort();
    expect(await granularities()).toEqual(["h", "m"]);
    h.clock.advance(8 * 86_400_000);
    await h.authority.usageStore.purge();
    expect(await granularities()).toEqual(["h"]);
    h.clock.advance(90 * 86_400_000);
    await h.authority.usageStore.purge();
    expect(await granularities()).toEqual([]);
    expect(await h.authority.database.db.selectFrom("key_usage_seen").selectAll().execute()).toEqual([]);
  });
});

describe("networkOf", () => {
  it("groups IPv4 by /24 and IPv6 by /48, and gives nothing for other strings", () => {
    expect(networkOf("192.0.2.77")).toBe("192.0.2.0/24");
    expect(networkOf("::ffff:192.0.2.77")).toBe("192.0.2.0/24");
    expect(networkOf("2001:db8:abcd:12::1")).toBe("2001:db8:abcd::/48");
    expect(networkOf("2001:db8::1")).toBe("2001:db8:0::/48");
    expect(networkOf("fe80::1%eth0")).toBe("fe80:0:0::/48");
    expect(networkOf("not-an-address")).toBeNull();
    expect(networkOf("")).toBeNull();
  });
});
