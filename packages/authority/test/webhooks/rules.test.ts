/** The pure rules: event patterns, URLs, the retry schedule, and change-log entries as events. */
import { describe, expect, it } from "vitest";
import { parseAllowList } from "../../src/domain/address-policy.js";
import { MAX_ATTEMPTS, RETRY_DELAYS_MS, retryDelay } from "../../src/webhooks/backoff.js";
import { normalizeEventPatterns, subscribes } from "../../src/webhooks/events.js";
import { mapChange, withoutSecrets } from "../../src/webhooks/mapping.js";
import { validateWebhookUrl } from "../../src/webhooks/url.js";

describe("event patterns", () => {
  it("accepts names, prefix.* and *, sorted and de-duplicated", () => {
    expect(normalizeEventPatterns(["key.revoked", "campaign.*", "key.revoked"])).toEqual(["campaign.*", "key.revoked"]);
    expect(normalizeEventPatterns(["*"])).toEqual(["*"]);
  });
  it("refuses unknown events and patterns that match nothing", () => {
    for (const bad of [[], ["key.stolen"], ["nothing.*"], ["KEY.REVOKED"], ["key.*.x"], [""]]) {
      expect(() => normalizeEventPatterns(bad), JSON.stringify(bad)).toThrow(
        expect.objectContaining({ code: "validation_failed" }),
      );
    }
  });
  it("matches wildcards, but never to key.secret_distributed", () => {
    expect(subscribes(["campaign.*"], "campaign.executed")).toBe(true);
    expect(subscribes(["campaign.*"], "key.revoked")).toBe(false);
    expect(subscribes(["*"], "leak.reported")).toBe(true);
    expect(subscribes(["*", "key.*"], "key.secret_distributed")).toBe(false);
    expect(subscribes(["key.secret_distributed"], "key.secret_distributed")).toBe(true);
  });
});

describe("webhook URLs", () => {
  it("accepts https to public hosts and http only to hosts the operator allows", () => {
    expect(validateWebhookUrl("https://hooks.example.com/tessera")).toBe("https://hooks.example.com/tessera");
    const allow = parseAllowList(["127.0.0.0/8", "localhost", "::1"]);
    for (const ok of ["http://127.0.0.1:9000/x", "http://localhost/x", "http://[::1]:8080/", "http://127.8.9.10/"]) {
      expect(() => validateWebhookUrl(ok, allow), ok).not.toThrow();
    }
  });
  it("refuses plain http elsewhere, credentials, fragments, other schemes and garbage", () => {
    for (const bad of [
      "http://hooks.example.com/x",
      "http://127.0.0.1.example.com/x",
      "https://user:pass@hooks.example.com/x",
      "https://token@hooks.example.com/x",
      "https://hooks.example.com/x#frag",
      "ftp://hooks.example.com/x",
      "file:///etc/passwd",
      "not a url",
      `https://example.com/${"a".repeat(2100)}`,
    ]) {
      expect(() => validateWebhookUrl(bad), bad).toThrow(expect.objectContaining({ code: "validation_failed" }));
    }
  });
});

describe("retry schedule", () => {
  it("waits 10s, 30s, 2m, 10m, 1h, 3h, 6h, 12h (±20%), then gives up after nine attempts", () => {
    expect(RETRY_DELAYS_MS.map((d) => d / 1000)).toEqual([10, 30, 120, 600, 3600, 10800, 21600, 43200]);
    expect(MAX_ATTEMPTS).toBe(9);
    expect(retryDelay(1, () => 0)).toBe(8_000);
    expect(retryDelay(1, () => 0.5)).toBe(10_000);
    expect(retryDelay(1, () => 0.999999)).toBe(12_000);
    expect(retryDelay(8, () => 0.5)).toBe(43_200_000);
    expect(retryDelay(9, () => 0.5)).toBeNull();
    const total = RETRY_DELAYS_MS.reduce((a, b) => a + b, 0);
    expect(total / 3_600_000).toBeGreaterThan(20);
    expect(total / 3_600_000).toBeLessThan(24);
  });
});

describe("change-log entries as webhook events", () => {
  const row = (type: string, data: unknown) => ({ seq: 7, at: 1000, type, data: JSON.stringify(data) });
  const key = {
    id: "key_1",
    hash: "HASH",
    principalId: "prn_a",
    scopes: ["s"],
    audience: null,
    expiresAt: 5,
    deprecated: false,
  };

  it("never carries a key's hash", () => {
    const [event] = mapChange(row("key.issued", { key }), new Map());
    expect(event?.data).toEqual({ keyId: "key_1", principalId: "prn_a", scopes: ["s"], audience: null, expiresAt: 5 });
    expect(JSON.stringify(event)).not.toContain("HASH");
  });

  it("splits a revocation of several principals' keys into one event per principal", () => {
    const principalOf = new Map([
      ["key_1", "prn_a"],
      ["key_2", "prn_b"],
      ["key_3", "prn_a"],
    ]);
    const events = mapChange(
      row("key.revoked", { ids: ["key_1", "key_2", "key_3"], reason: "r", cause: "revocation.selector" }),
      principalOf,
    );
    expect(events.map((e) => [e.principalIds, e.data.keyIds])).toEqual([
      [["prn_a"], ["key_1", "key_3"]],
      [["prn_b"], ["key_2"]],
    ]);
  });

  it("carries at most 1,000 key ids per event", () => {
    const ids = Array.from({ length: 2500 }, (_, i) => `key_${i}`);
    const events = mapChange(
      row("key.revoked", { ids, reason: "r", cause: "c" }),
      new Map(ids.map((id) => [id, "prn_a"])),
    );
    expect(events.map((e) => (e.data.keyIds as string[]).length)).toEqual([1000, 1000, 500]);
    expect(events.flatMap((e) => e.data.keyIds as string[])).toEqual(ids);
  });

  it("passes producers' events through without secrets, finding their owners", () => {
    const [campaign] = mapChange(
      row("campaign.executed", { campaignId: "cmp_1", owners: ["team-a"], keyCount: 3 }),
      new Map(),
    );
    expect(campaign).toMatchObject({ owners: ["team-a"], data: { campaignId: "cmp_1", keyCount: 3 } });
    const [expiring] = mapChange(row("key.expiring", { keyId: "key_1", expiresAt: 9 }), new Map([["key_1", "prn_a"]]));
    expect(expiring).toMatchObject({ principalIds: ["prn_a"], data: { keyId: "key_1", principalId: "prn_a" } });
    expect(withoutSecrets({ a: 1, secret: "x", nested: [{ keyHash: "y", ok: 2 }], refresh_token: "z" })).toEqual({
      a: 1,
      nested: [{ ok: 2 }],
    });
  });

  it("ignores change-log entries that are not webhook events", () => {
    expect(mapChange(row("grant.issued", { familyId: "f" }), new Map())).toEqual([]);
    expect(mapChange(row("key.updated", { key }), new Map())).toEqual([]);
  });
});
