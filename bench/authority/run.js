// Authority benchmarks, on SQLite and on PostgreSQL (when reachable):
//   - issuance per second over HTTP, beside a bare INSERT per transaction (the floor): with the
//     load generator in the authority's process, and with the authority in a process of its own;
//   - introspection requests per second over HTTP, beside GET /healthz on the same server;
//   - revoke-by-selector of 100,000 keys, beside a bare UPDATE of 100,000 rows.
// Loopback only, bounded in time, cleans up after itself.

import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import autocannon from "autocannon";
import { loadConfig, startAuthority } from "../../packages/authority/dist/index.js";
import { base32Decode, totp } from "../../packages/authority/dist/stepup/totp.js";
import { displayStart, generateToken, hashToken } from "../../packages/verifier/dist/index.js";
import { createStore as createBenchStore, PG_URL, postgresAvailable } from "../lib/stores.js";

// One load generator on loopback is one client address: the per-address and per-client limits
// would measure themselves, not the authority.
const NO_RATE_LIMITS = { rateLimitPerAddress: 0, rateLimitPerClient: 0 };

const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const CONNECTIONS = 10;
const SELECTOR_KEYS = Number(process.env.BENCH_SELECTOR_KEYS ?? 100_000);
const rng = (n) => new Uint8Array(randomBytes(n));

async function load(url, opts) {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION, ...opts });
  const errors = result.non2xx + result.errors + result.timeouts;
  return { rps: result.requests.average, p99: result.latency.p99, errors };
}

/** Inserts `count` active keys for `principalId` directly (benchmark fixtures, not API calls). */
async function seedKeys(db, principalId, count, prefix) {
  const now = Date.now();
  const chunk = 500;
  for (let i = 0; i < count; i += chunk) {
    const rows = [];
    for (let j = i; j < Math.min(count, i + chunk); j++) {
      const secret = generateToken("tsk", rng);
      rows.push({
        id: `key_${prefix}${j}`,
        principal_id: principalId,
        key_hash: hashToken(secret),
        start: displayStart(secret),
        scopes: '["bench:read"]',
        audience: null,
        description: "",
        metadata: "{}",
        status: "active",
        created_at: now,
        created_by: "bench",
        expires_at: now + 86_400_000,
        revoked_at: null,
        revoked_by: null,
        revoked_reason: null,
        replaced_by: null,
        replaces: null,
        grace_until: null,
        expires_at_before_rotation: null,
        last_used_at: null,
      });
    }
    await db.insertInto("api_keys").values(rows).execute();
  }
}

/**
 * Issuance over HTTP with the authority in its own process (issuance-server.js) on a fresh
 * store of `kind`: the in-process figure above it charges the load generator's work to the
 * server's event loop as well.
 */
async function issuanceInOwnProcess(kind) {
  const store = await createBenchStore(kind, "bench-issuance");
  const child = fork(new URL("./issuance-server.js", import.meta.url), [store.url], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  try {
    const info = await new Promise((resolve, reject) => {
      child.once("message", resolve);
      child.once("exit", (code) => reject(new Error(`issuance server exited with ${code}`)));
    });
    return await load(`${info.url}/v1/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${info.root}`, "content-type": "application/json" },
      body: JSON.stringify({ principalId: info.principalId, scopes: ["bench:read"], expiresIn: "1d" }),
    });
  } finally {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.send("stop");
    await exited;
    await store.drop();
  }
}

async function benchStore(kind) {
  const store = await createBenchStore(kind, "bench-authority");
  const running = await startAuthority(
    loadConfig({}, { databaseUrl: store.url, port: 0, logLevel: "warn", ...NO_RATE_LIMITS }),
    {
      logger: false,
    },
  );
  const root = running.bootstrap.rootKey.secret;
  const auth = { authorization: `Bearer ${root}`, "content-type": "application/json" };
  const { authority, url } = running;
  const db = authority.database.db;
  const system = { id: "system:bench", scopes: new Set(["keys:write", "keys:revoke", "principals:write"]) };
  const results = {};
  try {
    const principal = await authority.principals.create(
      { name: "bench", kind: "service", owner: "bench", allowedScopes: ["bench:read"] },
      system,
    );

    // Issuance over HTTP vs. the floor: one bare INSERT per transaction, no audit, no change log.
    const issue = await load(`${url}/v1/keys`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ principalId: principal.id, scopes: ["bench:read"], expiresIn: "1d" }),
    });
    const floorCount = 2000;
    const floorStart = performance.now();
    for (let i = 0; i < floorCount; i++) {
      const secret = generateToken("tsk", rng);
      await db.transaction().execute((trx) =>
        trx
          .insertInto("api_keys")
          .values({
            id: `key_floor${i}`,
            principal_id: principal.id,
            key_hash: hashToken(secret),
            start: displayStart(secret),
            scopes: '["bench:read"]',
            audience: null,
            description: "",
            metadata: "{}",
            status: "revoked",
            created_at: Date.now(),
            created_by: "bench",
            expires_at: null,
            revoked_at: null,
            revoked_by: null,
            revoked_reason: null,
            replaced_by: null,
            replaces: null,
            grace_until: null,
            expires_at_before_rotation: null,
            last_used_at: null,
          })
          .execute(),
      );
    }
    const floorPerSec = floorCount / ((performance.now() - floorStart) / 1000);
    results.issuance = { ...issue, floorPerSec, ownProcess: await issuanceInOwnProcess(kind) };

    // Introspection over HTTP vs. GET /healthz (Fastify + one trivial query) on the same server.
    const key = await authority.keys.issue({ principalId: principal.id, scopes: ["bench:read"] }, system);
    const introspect = await load(`${url}/oauth/introspect`, {
      method: "POST",
      headers: { authorization: `Bearer ${root}`, "content-type": "application/x-www-form-urlencoded" },
      body: `token=${key.secret}`,
    });
    const health = await load(`${url}/healthz`, {});
    results.introspection = { ...introspect, baseline: health };

    // Revoke by selector: 100,000 keys in one request vs. a bare UPDATE of 100,000 rows.
    const victims = await authority.principals.create(
      { name: "bench-victims", kind: "service", owner: "victims", allowedScopes: ["bench:read"] },
      system,
    );
    const floorVictims = await authority.principals.create(
      { name: "bench-floor", kind: "service", owner: "floor", allowedScopes: ["bench:read"] },
      system,
    );
    // Revoking 100,000 keys is above the step-up threshold: the bench's admin enrols TOTP
    // through the API, as an operator would, and sends a code with the revocation.
    const enrolment = await (
      await fetch(`${url}/v1/me/totp`, { method: "POST", headers: { authorization: `Bearer ${root}` } })
    ).json();
    const totpSecret = base32Decode(enrolment.secret);
    const activated = await fetch(`${url}/v1/me/totp/activate`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ otp: totp(totpSecret, Date.now()) }),
    });
    if (!activated.ok) throw new Error(`TOTP activation failed: ${await activated.text()}`);
    const seedStart = performance.now();
    await seedKeys(db, victims.id, SELECTOR_KEYS, "v");
    await seedKeys(db, floorVictims.id, SELECTOR_KEYS, "f");
    const seedSeconds = (performance.now() - seedStart) / 1000;
    const revokeStart = performance.now();
    const response = await fetch(`${url}/v1/revocations`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({
        selector: { owner: "victims" },
        reason: "bench",
        // The activation spent the current step's code; the next step's is accepted too.
        stepUp: { otp: totp(totpSecret, Date.now() + 30_000), justification: "benchmark: revoke by selector" },
      }),
    });
    const body = await response.json();
    const revokeMs = performance.now() - revokeStart;
    if (body.revoked !== SELECTOR_KEYS)
      throw new Error(`expected ${SELECTOR_KEYS} revoked, got ${JSON.stringify(body).slice(0, 200)}`);
    const bareStart = performance.now();
    await db
      .updateTable("api_keys")
      .set({ status: "revoked", revoked_at: Date.now(), revoked_by: "bench", revoked_reason: "bench" })
      .where("principal_id", "=", floorVictims.id)
      .execute();
    const bareMs = performance.now() - bareStart;
    results.selector = { revokeMs, bareMs, seedSeconds };
  } finally {
    await running.close();
    await store.drop();
  }
  return results;
}

function print(kind, r) {
  const f = (n) => Math.round(n).toLocaleString("en-US");
  console.log(`\n[${kind}]`);
  console.log(
    `  issuance over HTTP:        ${f(r.issuance.rps)} keys/s (p99 ${r.issuance.p99} ms, ${r.issuance.errors} errors)` +
      `   | floor, bare INSERT per transaction: ${f(r.issuance.floorPerSec)}/s  (ratio ${(r.issuance.rps / r.issuance.floorPerSec).toFixed(2)})`,
  );
  const own = r.issuance.ownProcess;
  console.log(
    `  issuance, authority in its own process: ${f(own.rps)} keys/s (p99 ${own.p99} ms, ${own.errors} errors)` +
      `   | the same floor  (ratio ${(own.rps / r.issuance.floorPerSec).toFixed(2)}, target >= 0.6)`,
  );
  console.log(
    `  introspection over HTTP:   ${f(r.introspection.rps)} req/s (p99 ${r.introspection.p99} ms, ${r.introspection.errors} errors)` +
      `   | baseline GET /healthz: ${f(r.introspection.baseline.rps)} req/s  (ratio ${(r.introspection.rps / r.introspection.baseline.rps).toFixed(2)})`,
  );
  console.log(
    `  revoke by selector ${f(SELECTOR_KEYS)} keys: ${f(r.selector.revokeMs)} ms (target < 2000 ms, propagation measured in bench/verifier)` +
      `   | floor, bare UPDATE of the same count: ${f(r.selector.bareMs)} ms`,
  );
}

console.log(`authority benchmark: ${DURATION}s per HTTP load, ${CONNECTIONS} connections, loopback`);
print("sqlite", await benchStore("sqlite"));
if (await postgresAvailable()) print("postgres", await benchStore("postgres"));
else console.log(`\n[postgres] skipped: ${PG_URL.replace(/:[^:@/]*@/, ":***@")} is not reachable`);
