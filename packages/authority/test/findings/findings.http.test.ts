/**
 * Detectors over verifiers' usage reports, end to end over HTTP: each detector opens a finding
 * with its evidence, repeated detections update it, the response policy acts (suspend, capped,
 * never on admin keys) or says what it would have done, and bad settings are refused.
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import { createHttpHarness, type HttpHarness } from "../http-harness.js";
import { describeEachStore } from "../stores.js";

const DAY = 86_400_000;

interface Entry {
  keyId: string | null;
  outcome?: string;
  address?: string;
  userAgent?: string;
  count?: number;
  kind?: "api_key" | null;
}

describeEachStore("findings", (kind) => {
  let h: HttpHarness;
  beforeEach(async () => {
    h = await createHttpHarness(kind);
  });
  afterEach(async () => {
    await h.close();
  });

  async function report(entries: Entry[]) {
    const response = await h.call("POST", "/v1/verifiers/usage", {
      body: {
        verifierId: "vfy_findings",
        dropped: 0,
        entries: entries.map((e) => ({
          kind: "api_key",
          outcome: "ok",
          route: "GET /orders",
          address: "10.0.0.1",
          userAgent: "orders/1.0",
          count: 1,
          lastAt: h.clock.now(),
          ...e,
        })),
      },
    });
    expect(response.statusCode, response.body).toBe(204);
    await h.authority.findings.flush();
  }
  const findings = async (query = "") => (await h.call("GET", `/v1/findings${query}`)).json().items;
  const setDetector = (id: string, body: Record<string, unknown>) => h.call("PUT", `/v1/detectors/${id}`, { body });
  /** A key with a learned baseline: used from 10.0.0.1 with orders/1.0, then past its learning period. */
  async function learnedKey() {
    const key = await h.key(["orders:read"]);
    await report([{ keyId: key.id }]);
    h.clock.advance(8 * DAY);
    await report([{ keyId: key.id }]);
    return key;
  }

  it("lists the detectors with their defaults: every one alerts, learning 7 days", async () => {
    const detectors = (await h.call("GET", "/v1/detectors")).json().items;
    expect(detectors.map((d: { id: string }) => d.id)).toEqual([
      "canary_used",
      "revoked_key_used",
      "deprecated_key_used",
      "new_network",
      "new_user_agent",
      "volume_spike",
      "failure_burst",
    ]);
    expect(
      detectors.every((d: { mode: string; learningPeriod: string }) => d.mode === "alert" && d.learningPeriod === "7d"),
    ).toBe(true);
  });

  it("revoked_key_used: one finding with evidence, updated (not repeated) by later uses, delivered as finding.opened", async () => {
    const key = await h.key(["orders:read"]);
    await h.authority.lifecycle.revoke(key.id, "leaked", h.system);
    await report([{ keyId: key.id, outcome: "revoked", count: 3, address: "203.0.113.9", userAgent: "curl/8" }]);
    await report([{ keyId: key.id, outcome: "revoked", count: 2, address: "203.0.113.9", userAgent: "curl/8" }]);
    const [finding, ...others] = await findings("?detector=revoked_key_used");
    expect(others).toEqual([]);
    expect(finding).toMatchObject({
      detector: "revoked_key_used",
      severity: "high",
      state: "open",
      keyId: key.id,
      principalId: key.principalId,
      count: 5,
      evidence: { keyState: "revoked", addresses: { "203.0.113.9": 3 }, userAgents: { "curl/8": 3 } },
    });
    expect(finding.id).toMatch(/^fnd_/);
    expect((await h.call("GET", `/v1/findings/${finding.id}`)).json().count).toBe(5);
    const changes = await h.authority.database.db
      .selectFrom("change_log")
      .select(["type", "data"])
      .where("type", "=", "finding.opened")
      .execute();
    expect(changes).toHaveLength(1);
    expect(JSON.parse(changes[0]?.data ?? "{}")).toMatchObject({ findingId: finding.id, detector: "revoked_key_used" });
    const metrics = (await h.call("GET", "/metrics", { key: null })).body;
    expect(metrics).toContain('tessera_findings_total{detector="revoked_key_used",severity="high"} 1');
  });

  it("new_network and new_user_agent fire only after the learning period, and say what stricter modes would do", async () => {
    const key = await h.key(["orders:read"]);
    await report([{ keyId: key.id }]);
    await report([{ keyId: key.id, address: "192.0.2.10", userAgent: "orders/2.0" }]); // still learning
    expect(await findings()).toEqual([]);
    h.clock.advance(8 * DAY);
    await report([{ keyId: key.id }, { keyId: key.id, address: "192.0.2.11" }]); // known network and agent
    expect(await findings()).toEqual([]);
    await report([{ keyId: key.id, address: "198.51.100.23", userAgent: "python-requests/2.31" }]);
    const found = await findings();
    expect(found.map((f: { detector: string }) => f.detector).sort()).toEqual(["new_network", "new_user_agent"]);
    const network = found.find((f: { detector: string }) => f.detector === "new_network");
    expect(network.evidence).toMatchObject({ network: "198.51.100.0/24", addresses: { "198.51.100.23": 1 } });
    expect(network.evidence.baseline).toEqual(expect.arrayContaining(["10.0.0.0/24", "192.0.2.0/24"]));
    expect(network.action).toBe(`alert only: suspend mode would suspend ${key.id}, revoke mode would revoke it`);
    expect((await h.authority.keys.get(key.id)).state).toBe("active");
  });

  it("in suspend mode suspends the key as detector:<id> with a receipt, at most maxActionsPerHour, never an admin key", async () => {
    expect(
      (await setDetector("new_user_agent", { mode: "suspend", params: { maxActionsPerHour: 1 } })).statusCode,
    ).toBe(200);
    const a = await learnedKey();
    const b = await learnedKey();
    const admin = await h.key(["keys:read"]);
    await report([{ keyId: admin.id }]);
    h.clock.advance(8 * DAY);
    await report([{ keyId: admin.id }]);
    await report([{ keyId: a.id, userAgent: "stolen/1" }]);
    await report([
      { keyId: b.id, userAgent: "stolen/1" },
      { keyId: admin.id, userAgent: "stolen/1" },
    ]);
    const byKey = new Map((await findings("?detector=new_user_agent")).map((f: { keyId: string }) => [f.keyId, f]));
    const acted = byKey.get(a.id) as { action: string; actionSequence: number; actionReceipt: string; id: string };
    expect(acted.action).toBe("suspended");
    expect(acted.actionSequence).toBeGreaterThan(0);
    expect((await h.authority.keys.get(a.id)).state).toBe("suspended");
    const audit = await h.authority.audit.list({ targetId: a.id, action: "key.suspended" });
    expect(audit.items[0]).toMatchObject({ actor: "detector:new_user_agent" });
    expect(audit.items[0]?.reason).toContain(acted.id);
    const receipt = await h.call("GET", `/v1/receipts/${acted.actionReceipt}`);
    expect(receipt.statusCode).toBe(200);
    expect(receipt.json()).toMatchObject({ sequence: acted.actionSequence });
    expect((byKey.get(b.id) as { action: string }).action).toBe(
      "alert only: new_user_agent reached its cap of 1 automatic actions per hour",
    );
    expect((await h.authority.keys.get(b.id)).state).toBe("active");
    expect((byKey.get(admin.id) as { action: string }).action).toContain("holds admin scopes");
    expect((await h.authority.keys.get(admin.id)).state).toBe("active");
  });

  it("deprecated_key_used: the old key used from a network its replacement was never used from", async () => {
    const key = await h.key(["orders:read"]);
    const { replacement } = await h.authority.lifecycle.rotate(key.id, {}, h.system);
    await report([{ keyId: replacement.id, address: "10.0.0.5" }]);
    await report([{ keyId: key.id, address: "10.0.0.6" }]); // same /24 as the replacement: fine
    expect(await findings("?detector=deprecated_key_used")).toEqual([]);
    await report([{ keyId: key.id, address: "203.0.113.40" }]);
    const [finding] = await findings("?detector=deprecated_key_used");
    expect(finding).toMatchObject({
      keyId: key.id,
      evidence: { replacement: replacement.id, foreign: ["203.0.113.0/24"] },
    });
  });

  it("volume_spike: far above the key's own per-minute baseline, with enough history", async () => {
    await setDetector("volume_spike", { params: { minSamples: 5, minPerMinute: 50 } });
    const key = await h.key(["orders:read"]);
    for (let minute = 0; minute < 8; minute++) {
      await report([{ keyId: key.id, count: 10 + (minute % 3) }]);
      h.clock.advance(60_000);
    }
    expect(await findings("?detector=volume_spike")).toEqual([]);
    await report([{ keyId: key.id, count: 400 }]);
    const [spike] = await findings("?detector=volume_spike");
    expect(spike).toMatchObject({ keyId: key.id, evidence: { perMinute: 400 } });
    expect(spike.evidence.baselineMean).toBeGreaterThan(5);
    expect(spike.evidence.baselineMean).toBeLessThan(15);
  });

  it("failure_burst: many refusals from one network in a minute", async () => {
    await report([{ keyId: null, kind: null, outcome: "unknown", count: 60, address: "198.51.100.7" }]);
    expect(await findings("?detector=failure_burst")).toEqual([]);
    await report([{ keyId: null, kind: null, outcome: "malformed", count: 60, address: "198.51.100.8" }]);
    const [burst] = await findings("?detector=failure_burst");
    expect(burst).toMatchObject({ keyId: null, evidence: { network: "198.51.100.0/24", refusedThisMinute: 120 } });
  });

  it("canary_used: critical, at once, from the report", async () => {
    const canary = (
      await h.call("POST", "/v1/keys", { body: { principalId: h.root.principalId, canary: true } })
    ).json();
    await report([{ keyId: canary.key.id, outcome: "canary", address: "203.0.113.66", userAgent: "scanner/0.1" }]);
    const [finding] = await findings("?detector=canary_used");
    expect(finding).toMatchObject({
      severity: "critical",
      keyId: canary.key.id,
      evidence: { address: "203.0.113.66", userAgent: "scanner/0.1" },
    });
  });

  it("acknowledges and resolves with a note; a resolved finding stays resolved and a new detection opens another", async () => {
    const key = await h.key(["orders:read"]);
    await h.authority.lifecycle.revoke(key.id, "leaked", h.system);
    await report([{ keyId: key.id, outcome: "revoked" }]);
    const [finding] = await findings();
    const ack = await h.call("POST", `/v1/findings/${finding.id}/acknowledge`, { body: { note: "on it" } });
    expect(ack.json(), ack.body).toMatchObject({
      state: "acknowledged",
      note: "on it",
      acknowledgedBy: h.root.principalId,
    });
    const resolved = await h.call("POST", `/v1/findings/${finding.id}/resolve`, {
      body: { note: "rotated everywhere" },
    });
    expect(resolved.json()).toMatchObject({ state: "resolved", note: "rotated everywhere" });
    expect((await h.call("POST", `/v1/findings/${finding.id}/resolve`, { body: {} })).statusCode).toBe(409);
    await report([{ keyId: key.id, outcome: "revoked" }]);
    expect((await findings("?state=open")).map((f: { id: string }) => f.id)).not.toContain(finding.id);
    expect(await findings("?state=open")).toHaveLength(1);
  });

  it("refuses bad settings naming the field, and revoke mode without step-up", async () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ["volume_spike", { params: { deviations: 0 } }, "deviations"],
      ["volume_spike", { params: { nonsense: 1 } }, "nonsense"],
      ["failure_burst", { mode: "suspend" }, "mode"],
      ["new_network", { learningPeriod: "400d" }, "learningPeriod"],
      ["new_network", { mode: "sometimes" }, "mode"],
    ];
    for (const [id, body, field] of cases) {
      const response = await setDetector(id, body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify(response.json()), JSON.stringify(body)).toContain(field);
    }
    expect((await setDetector("no_such_detector", { mode: "off" })).statusCode).toBe(404);
    const revoke = await setDetector("new_network", { mode: "revoke" });
    expect(revoke.statusCode).toBe(403);
    expect(revoke.json().error.code).toBe("step_up_required");
    const after = (await h.call("GET", "/v1/detectors"))
      .json()
      .items.find((d: { id: string }) => d.id === "new_network");
    expect(after.mode).toBe("alert");
  });
});
