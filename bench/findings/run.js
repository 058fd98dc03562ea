// Detection latency (issue 13), with real verifiers (the library, in this process) reporting
// usage on their default 2 s timer to an authority over loopback, on SQLite and PostgreSQL:
//   - a canary key presented at a verifier, until its `canary_used` finding is readable
//     (target p99 < 3 s; beside it, the verifier's report interval: 2 s);
//   - a new user agent on a key whose `new_user_agent` detector is in `suspend` mode, until
//     every verifier refuses the key (target p99 < 5 s).
// Bounded: ROUNDS samples each, every wait capped at 15 s. Loopback only; cleans up after itself.
import { randomBytes } from "node:crypto";
import { loadavg } from "node:os";
import { loadConfig, startAuthority } from "../../packages/authority/dist/index.js";
import { systemActor } from "../../packages/authority/dist/principals/bootstrap.js";
import { createVerifier } from "../../packages/verifier/dist/index.js";
import { createStore, postgresAvailable } from "../lib/stores.js";
import { replayWeek } from "./replay.js";

const VERIFIERS = Number(process.env.BENCH_FINDINGS_VERIFIERS ?? 10);
const ROUNDS = Number(process.env.BENCH_FINDINGS_ROUNDS ?? 15);
const CAP_MS = 15_000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const pct = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};
const request = { route: "GET /orders", address: "10.0.0.1" };

async function until(check, what) {
  const started = performance.now();
  while (performance.now() - started < CAP_MS) {
    if (await check()) return performance.now() - started;
    await sleep(10);
  }
  throw new Error(`${what}: not within ${CAP_MS} ms`);
}

async function measure(kind) {
  const store = await createStore(kind, "findings");
  const running = await startAuthority(
    loadConfig(
      { TESSERA_MASTER_KEY: randomBytes(32).toString("base64") },
      { databaseUrl: store.url, port: 0, logLevel: "warn", rateLimitPerAddress: 0, rateLimitPerClient: 0 },
    ),
    { logger: false },
  );
  const { authority } = running;
  const root = running.bootstrap.rootKey.secret;
  const system = systemActor("bench");
  const verifiers = Array.from({ length: VERIFIERS }, (_, i) =>
    createVerifier({ url: running.url, credential: root, name: `bench-findings-${i}` }),
  );
  try {
    await Promise.all(verifiers.map((v) => v.ready()));
    const principal = await authority.principals.create(
      { name: "bench", kind: "service", owner: "bench", allowedScopes: ["orders:read"] },
      system,
    );
    const known = async (secret) => {
      await until(
        async () => verifiers.every((v) => v.verify(secret).reason !== "unknown" || v.verify(secret).ok),
        "replicas",
      );
    };
    const findingOf = async (keyId, detector) =>
      (await authority.findings.list({ keyId, detector, limit: 1 })).items[0];

    const canary = [];
    for (let i = 0; i < ROUNDS; i++) {
      const issued = await authority.keys.issue({ principalId: principal.id, scopes: [], canary: true }, system);
      await sleep(50); // every replica holds it (a canary answers unknown either way)
      const verifier = verifiers[i % verifiers.length];
      const started = performance.now();
      const result = verifier.verify(issued.secret);
      verifier.recordUsage(
        { keyId: null, kind: null, outcome: result.reason, ...request, userAgent: "probe/1" },
        issued.secret,
      );
      await until(async () => (await findingOf(issued.key.id, "canary_used")) !== undefined, "canary finding");
      canary.push(performance.now() - started);
    }

    await authority.findings.updateDetector(
      "new_user_agent",
      { mode: "suspend", learningPeriod: "0s", params: { maxActionsPerHour: 1000 } },
      system,
    );
    const suspend = [];
    for (let i = 0; i < ROUNDS; i++) {
      const issued = await authority.keys.issue({ principalId: principal.id, scopes: ["orders:read"] }, system);
      await known(issued.secret);
      // Learned: the key's usual client, reported by a verifier and seen by a detection pass.
      const usual = verifiers[0];
      usual.recordUsage({ keyId: issued.key.id, kind: "api_key", outcome: "ok", ...request, userAgent: "orders/1.0" });
      await until(
        async () =>
          (await authority.database.db
            .selectFrom("finding_known")
            .select("key_id")
            .where("key_id", "=", issued.key.id)
            .executeTakeFirst()) !== undefined,
        "learning",
      );
      const verifier = verifiers[(i + 1) % verifiers.length];
      const started = performance.now();
      const result = verifier.verify(issued.secret);
      if (!result.ok) throw new Error(`key refused before the test: ${result.reason}`);
      verifier.recordUsage({
        keyId: issued.key.id,
        kind: "api_key",
        outcome: "ok",
        ...request,
        userAgent: "stolen/9.9",
      });
      await until(async () => verifiers.every((v) => v.verify(issued.secret).reason === "suspended"), "suspension");
      suspend.push(performance.now() - started);
    }
    return { canary, suspend };
  } finally {
    await Promise.all(verifiers.map((v) => v.close()));
    await running.close();
    await store.drop();
  }
}

console.log(
  `detection latency: ${VERIFIERS} verifiers reporting every 2 s, ${ROUNDS} samples each; load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);
for (const kind of ["sqlite", ...((await postgresAvailable()) ? ["postgres"] : [])]) {
  const { canary, suspend } = await measure(kind);
  const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;
  console.log(
    `  ${kind.padEnd(8)} canary used -> finding readable: p50 ${fmt(pct(canary, 50))}, p99 ${fmt(pct(canary, 99))} (target p99 < 3 s; report interval 2 s)\n` +
      `           new user agent (suspend mode) -> every verifier refuses: p50 ${fmt(pct(suspend, 50))}, p99 ${fmt(pct(suspend, 99))} (target p99 < 5 s; each round starts just after a report, near the 2 s interval's worst case)`,
  );
}
console.log(
  "replay of a generated week, 1,000 keys, 15-minute steps, 50 injected incidents and 20 benign changes (learning period 1 day):",
);
for (const kind of ["sqlite", ...((await postgresAvailable()) ? ["postgres"] : [])]) {
  const store = await createStore(kind, "replay");
  try {
    const r = await replayWeek(store.url);
    const kinds = [...new Set(r.falseFindings.map((f) => f.detector))].join(", ") || "none";
    console.log(
      `  ${kind.padEnd(8)} found ${r.found} of ${r.incidents}, missed ${r.missed}, false findings ${r.falseFindings.length} (${kinds}); replayed in ${(r.ms / 1000).toFixed(1)} s`,
    );
  } finally {
    await store.drop();
  }
}
process.exit(0);
