// A generated week of normal traffic for 1,000 keys (a daily rhythm; each key with its own few
// networks and user agents, most keys idle at any moment), replayed through the detectors at
// 15-minute steps on a manual clock, with incidents injected after the learning period (one
// day here): new networks, new user agents, volume spikes, revoked keys presented, failure
// bursts. Twenty keys also change benignly mid-week (ten upgrade their client, ten move to a new
// network): a detector cannot tell those from an attack, so their findings count as false.
// Reports incidents found, missed, and findings that match no incident (false).
import { randomBytes } from "node:crypto";
import { createAuthority, loadConfig, ManualClock } from "../../packages/authority/dist/index.js";
import { systemActor } from "../../packages/authority/dist/principals/bootstrap.js";

const KEYS = 1000;
const STEP = 15 * 60_000;
const DAY = 86_400_000;
const STEPS = (7 * DAY) / STEP;

/** A deterministic generator, so every run replays the same week. */
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function profiles(ids, random) {
  return ids.map((id, i) => ({
    id,
    networks: Array.from({ length: 1 + Math.floor(random() * 3) }, (_, n) => `10.${i % 250}.${n}.`),
    agents: Array.from({ length: 1 + Math.floor(random() * 2) }, (_, n) => `svc-${i}/${n + 1}.0`),
    rate: 5 + Math.floor(random() * 40),
    activity: 0.2 + random() * 0.5,
  }));
}

function incidentsFor(keys, random) {
  const pick = () => keys[Math.floor(random() * keys.length)];
  const at = () => Math.floor((1.5 * DAY) / STEP + random() * ((5 * DAY) / STEP));
  const kinds = [
    ["new_network", 15],
    ["new_user_agent", 15],
    ["volume_spike", 10],
    ["revoked_key_used", 5],
    ["failure_burst", 5],
  ];
  const incidents = [];
  const used = new Set();
  for (const [detector, n] of kinds) {
    for (let i = 0; i < n; i++) {
      let key = pick();
      while (used.has(key.id)) key = pick();
      used.add(key.id);
      incidents.push({ detector, key, step: at(), network: `198.51.${100 + incidents.length}.` });
    }
  }
  return incidents;
}

/** Benign changes: from their step on, the key's client or network is a new one for good. */
function benignChanges(keys, incidents, random) {
  const taken = new Set(incidents.map((i) => i.key.id));
  const free = keys.filter((k) => !taken.has(k.id));
  return free
    .slice(0, 20)
    .map((key, i) => ({ key, step: Math.floor((2 * DAY) / STEP + random() * ((4 * DAY) / STEP)), upgrade: i < 10 }));
}

function applyBenign(changes, step) {
  for (const change of changes.filter((c) => c.step === step)) {
    if (change.upgrade) change.key.agents = change.key.agents.map((a) => a.replace(/\/\d+\.0$/, "/9.0"));
    else change.key.networks = [`172.16.${change.key.networks[0].split(".")[1]}.`];
  }
}

function normalEntries(keys, step, random) {
  const hour = ((step * STEP) % DAY) / 3_600_000;
  const rhythm = 0.3 + 0.7 * Math.max(0, Math.sin(((hour - 6) / 24) * 2 * Math.PI));
  const entries = [];
  for (const key of keys) {
    if (random() > key.activity || key.revokedAt !== undefined) continue;
    const count = Math.max(1, Math.round(key.rate * rhythm * (0.7 + random() * 0.6)));
    const network = key.networks[Math.floor(random() * key.networks.length)];
    const address = `${network}${1 + Math.floor(random() * 20)}`;
    entries.push({
      keyId: key.id,
      kind: "api_key",
      outcome: "ok",
      route: "GET /orders",
      address,
      userAgent: key.agents[Math.floor(random() * key.agents.length)],
      count,
    });
  }
  return entries;
}

function incidentEntries(incident, now) {
  const { key, detector, network } = incident;
  const base = {
    keyId: key.id,
    kind: "api_key",
    outcome: "ok",
    route: "GET /orders",
    userAgent: key.agents[0],
    address: `${key.networks[0]}7`,
    count: key.rate,
  };
  if (detector === "new_network") return [{ ...base, address: `${network}9` }];
  if (detector === "new_user_agent") return [{ ...base, userAgent: "curl/8.4.0" }];
  if (detector === "volume_spike") return [{ ...base, count: key.rate * 40 }];
  if (detector === "revoked_key_used") return [{ ...base, outcome: "revoked", count: 3 }];
  return [
    {
      keyId: null,
      kind: null,
      outcome: "unknown",
      route: "GET /orders",
      address: `${network}66`,
      userAgent: "hydra",
      count: 400,
      lastAt: now,
    },
  ];
}

export async function replayWeek(url) {
  const clock = new ManualClock(Date.UTC(2026, 10, 2));
  const config = loadConfig(
    { TESSERA_MASTER_KEY: randomBytes(32).toString("base64") },
    { databaseUrl: url, logLevel: "warn", jobsIntervalMs: 0 },
  );
  const authority = await createAuthority({ config, clock });
  const system = systemActor("bench");
  try {
    const principal = await authority.principals.create(
      { name: "replay", kind: "service", owner: "bench", allowedScopes: ["orders:read"] },
      system,
    );
    const ids = [];
    for (let i = 0; i < KEYS; i++)
      ids.push((await authority.keys.issue({ principalId: principal.id, scopes: ["orders:read"] }, system)).key.id);
    const random = rng(42);
    const keys = profiles(ids, random);
    const incidents = incidentsFor(keys, random);
    const benign = benignChanges(keys, incidents, random);
    for (const id of ["new_network", "new_user_agent", "volume_spike"]) {
      await authority.findings.updateDetector(id, { learningPeriod: "1d" }, system);
    }
    const started = performance.now();
    for (let step = 0; step < STEPS; step++) {
      const now = clock.now();
      applyBenign(benign, step);
      const entries = normalEntries(keys, step, random);
      for (const incident of incidents.filter((x) => x.step === step)) {
        if (incident.detector === "revoked_key_used") {
          await authority.lifecycle.revoke(incident.key.id, "replay incident", system);
          incident.key.revokedAt = now;
        }
        entries.push(...incidentEntries(incident, now));
      }
      authority.findings.observe(entries.map((e) => ({ lastAt: now, ...e })));
      await authority.findings.flush();
      clock.advance(STEP);
    }
    const ms = performance.now() - started;
    const found = [];
    for (let cursor; ; ) {
      const page = await authority.findings.list({ limit: 1000, ...(cursor ? { cursor } : {}) });
      found.push(...page.items);
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    const matches = (f, i) =>
      f.detector === i.detector &&
      (i.detector === "failure_burst" ? f.evidence.network === `${i.network}0/24` : f.keyId === i.key.id);
    const hit = incidents.filter((i) => found.some((f) => matches(f, i)));
    const falseFindings = found.filter((f) => !incidents.some((i) => matches(f, i)));
    return { incidents: incidents.length, found: hit.length, missed: incidents.length - hit.length, falseFindings, ms };
  } finally {
    await authority.close();
  }
}
