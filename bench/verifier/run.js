// Verifier benchmarks (issue #4), each figure beside its target or its floor measured in the
// same run:
//   - local verification throughput, API keys and JWT access tokens, beside the bare floor
//     (SHA-256 of the token plus one Map.get) in the same process;
//   - propagation to 100 verifiers hosted by 4 child processes over loopback: p50/p99 from the
//     revoke request's HTTP answer to the last verifier rejecting, and the same for a suspension
//     (issue 13) beside it;
//   - revoke-by-selector of 100,000 keys until every verifier rejects them, once per form the
//     feed sends it in: ranges of key ordinals (a whole principal; a principal's keys created
//     before a breach), a bitmap of ordinals (every other key of a principal), the scope
//     matched, and the ordinals listed (every other key among many others: the worst case);
//   - one verifier holding 1,000,000 keys: time to ready and memory.
// SQLite always; PostgreSQL too when TESSERA_BENCH_POSTGRES_URL (or the test URL) is reachable.
// Loopback only, bounded, cleans up its temp files and child processes.
//
// Parts: BENCH_VERIFIER_ONLY=local|fleet|memory (comma-separated) runs only those; `local`
// alone (verify vs its floor in one process) takes about a minute. BENCH_VERIFIER_BASELINE=
// <another build's packages/verifier/dist/index.js> adds that build's verify(API key) to the
// same rounds, beside this one's: a change to the hot path measured before and after in one run.
import { fork } from "node:child_process";
import { hash, randomBytes } from "node:crypto";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { sql } from "kysely";
import { loadConfig, openDatabase, startAuthority } from "../../packages/authority/dist/index.js";
import { createVerifier, displayStart, generateToken, hashToken } from "../../packages/verifier/dist/index.js";
import { createStore as createBenchStore, postgresAvailable } from "../lib/stores.js";

// One load generator on loopback is one client address: the per-address and per-client limits
// would measure themselves, not the authority.
const NO_RATE_LIMITS = { rateLimitPerAddress: 0, rateLimitPerClient: 0 };

const VERIFIERS = Number(process.env.BENCH_VERIFIERS ?? 100);
// Verifiers per host process (BENCH_VERIFIERS_PER_PROCESS=50 runs the fleet in two processes;
// on 2026-12-04 that did not shorten the propagation tail, which is the hosts' garbage
// collection: see docs/performance.md).
const PER_PROCESS = Number(process.env.BENCH_VERIFIERS_PER_PROCESS ?? 25);
const REVOCATIONS = Number(process.env.BENCH_REVOCATIONS ?? 200);
const SELECTOR_KEYS = Number(process.env.BENCH_SELECTOR_KEYS ?? 100_000);
const MEMORY_KEYS = Number(process.env.BENCH_MEMORY_KEYS ?? 1_000_000);
const here = fileURLToPath(new URL(".", import.meta.url));
const rng = (n) => new Uint8Array(randomBytes(n));
// CLOCK_MONOTONIC in ms: one clock for every process on the machine. (timeOrigin + now() is
// each process's wall clock at its start: a step of the system clock between the starts of
// the benchmark and of a host process once showed as 8 s of "propagation".)
const now = () => Number(process.hrtime.bigint()) / 1e6;
const children = new Set();
const cleanups = [];

function row(label, value, target) {
  console.log(`  ${label.padEnd(60)} ${String(value).padStart(16)}   ${target}`);
}
const fmt = (n, digits = 0) =>
  n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

async function start(kind, seed) {
  const store = await createBenchStore(kind, "bench-verifier");
  const seeded = seed ? await seed(store.url) : undefined;
  const config = loadConfig(
    { TESSERA_STEPUP_SELECTOR_THRESHOLD: "1000000000" },
    { databaseUrl: store.url, port: 0, logLevel: "warn", ...NO_RATE_LIMITS },
  );
  const running = await startAuthority(config, { logger: false });
  const system = { id: "system:bench", scopes: new Set(["keys:write", "keys:revoke", "principals:write"]) };
  return {
    store,
    running,
    system,
    seeded,
    root: running.bootstrap.rootKey.secret,
    async close() {
      await running.close();
      await store.drop();
    },
  };
}

/**
 * Creates principal `name` and `count` active keys for it directly in the database, before the
 * authority starts (benchmark fixtures, not API calls). `shape(j)` may give key j its own
 * creation time (`createdAt`, default now), scopes (default bench:read) and ordinal (default:
 * the next one, as issuance gives); `samples` secrets are kept, spread over the keys for which
 * `sample(j)` holds (default all), and as many `alsoSamples` of the keys for which
 * `alsoSample(j)` holds (default none).
 */
async function seedKeys(kind, url, name, count, options = {}) {
  const { samples = 0, owner = "bench", shape = () => ({}), sample = () => true, alsoSample = () => false } = options;
  const created = Date.now();
  const principalId = `prn_${name}`;
  const kept = [];
  const alsoKept = [];
  const every = samples > 0 ? Math.max(1, Math.floor(count / samples)) : Number.POSITIVE_INFINITY;
  const database = await openDatabase(url); // applies migrations
  await database.db
    .insertInto("principals")
    .values({
      id: principalId,
      name,
      kind: "service",
      owner,
      status: "active",
      allowed_scopes: '["bench:read","bench:write"]',
      metadata: "{}",
      created_at: created,
      updated_at: created,
      created_by: "bench",
      disabled_at: null,
      disabled_reason: null,
    })
    .execute();
  const key = (j) => {
    const secret = generateToken("tsk", rng);
    const spread = j % every < 2 || j >= count - 2;
    if (sample(j) && spread && kept.length < samples) kept.push(secret);
    if (alsoSample(j) && spread && alsoKept.length < samples) alsoKept.push(secret);
    const { createdAt = created, scopes = '["bench:read"]', ordinal = null } = shape(j);
    return {
      id: `key_${name}${j.toString(36).padStart(7, "0")}`,
      hash: hashToken(secret),
      start: displayStart(secret),
      createdAt,
      scopes,
      ordinal,
    };
  };
  if (kind === "sqlite") {
    await database.close();
    const raw = new Database(url);
    const insert = raw.prepare(
      `insert into api_keys (id, principal_id, key_hash, start, scopes, description, metadata, status, created_at, created_by, expires_at, ordinal)
       values (?, ?, ?, ?, ?, '', '{}', 'active', ?, 'bench', ?, ?)`,
    );
    raw.transaction(() => {
      for (let j = 0; j < count; j++) {
        const k = key(j);
        insert.run(k.id, principalId, k.hash, k.start, k.scopes, k.createdAt, created + 86_400_000, k.ordinal);
      }
    })();
    // Keys issued later must get ordinals past the ones given here.
    raw
      .prepare(
        "update sequences set value = max(value, (select coalesce(max(ordinal), 0) from api_keys)) where name = 'key_ordinal'",
      )
      .run();
    raw.close();
    return { principalId, samples: kept, alsoSamples: alsoKept };
  }
  await database.db.transaction().execute(async (trx) => {
    for (let i = 0; i < count; i += 1000) {
      const rows = [];
      for (let j = i; j < Math.min(count, i + 1000); j++) {
        const k = key(j);
        rows.push({
          id: k.id,
          principal_id: principalId,
          key_hash: k.hash,
          start: k.start,
          scopes: k.scopes,
          audience: null,
          description: "",
          metadata: "{}",
          status: "active",
          created_at: k.createdAt,
          created_by: "bench",
          expires_at: created + 86_400_000,
          revoked_at: null,
          revoked_by: null,
          revoked_reason: null,
          replaced_by: null,
          replaces: null,
          grace_until: null,
          expires_at_before_rotation: null,
          last_used_at: null,
          ...(k.ordinal === null ? {} : { ordinal: k.ordinal }),
        });
      }
      await trx.insertInto("api_keys").values(rows).execute();
    }
    await sql`select setval('api_key_ordinals', (select max(ordinal) from api_keys))`.execute(trx);
  });
  await database.close();
  return { principalId, samples: kept, alsoSamples: alsoKept };
}

/** Best rate (operations per second) of `fn` over several rounds, interleaved with `other` by the caller. */
async function rate(fn, iterations) {
  // Let the feed's heartbeats in between rounds: a verifier whose event loop is blocked for
  // longer than its staleness bound would (rightly) fail closed.
  await new Promise((resolve) => setTimeout(resolve, 20));
  const t = performance.now();
  let ok = 0;
  for (let i = 0; i < iterations; i++) if (fn(i)) ok++;
  const elapsed = performance.now() - t;
  if (ok !== iterations) throw new Error(`only ${ok} of ${iterations} verifications succeeded`);
  return (iterations / elapsed) * 1000;
}

async function localThroughput() {
  console.log("\nlocal verification (one process, no I/O on the hot path)");
  const env = await start("sqlite");
  try {
    const { authority, url } = env.running;
    const principal = await authority.principals.create(
      { name: "local", kind: "service", owner: "bench", allowedScopes: ["bench:read", "oauth:client"] },
      env.system,
    );
    const secrets = [];
    for (let i = 0; i < 1000; i++) {
      secrets.push(
        (await authority.keys.issue({ principalId: principal.id, scopes: ["bench:read"] }, env.system)).secret,
      );
    }
    // A long staleness bound: a round blocks the event loop (heartbeats wait), and on a loaded
    // machine a round can outlast the default bound; the bound's value costs verify() nothing.
    const LOCAL_STALENESS = "60s";
    const verifier = createVerifier({
      url,
      credential: env.root,
      name: "bench-local",
      usage: false,
      staleness: LOCAL_STALENESS,
    });
    await verifier.ready();
    const baselinePath = process.env.BENCH_VERIFIER_BASELINE;
    const baseline = baselinePath
      ? (await import(pathToFileURL(resolve(baselinePath)).href)).createVerifier({
          url,
          credential: env.root,
          name: "bench-baseline",
          usage: false,
          staleness: LOCAL_STALENESS,
        })
      : null;
    await baseline?.ready();
    const floor = new Map(secrets.map((s, i) => [hashToken(s), { id: i }]));
    const options = { scopes: ["bench:read"] };
    const n = secrets.length;
    if (!verifier.verify(secrets[0], options).ok) throw new Error("bench key does not verify");

    // JWT access tokens from the authority's own token endpoint (client_credentials).
    await authority.oauth.signingKeys.jwks();
    const client = await authority.keys.issue({ principalId: principal.id, scopes: ["oauth:client"] }, env.system);
    const basic = `Basic ${Buffer.from(`${principal.id}:${client.secret}`).toString("base64")}`;
    const jwts = [];
    for (let i = 0; i < 200; i++) {
      const response = await fetch(`${url}/oauth/token`, {
        method: "POST",
        headers: { authorization: basic, "content-type": "application/x-www-form-urlencoded" },
        body: "grant_type=client_credentials&scope=bench%3Aread",
      });
      jwts.push((await response.json()).access_token);
    }
    const deadline = Date.now() + 10_000;
    while (!verifier.verify(jwts[0], options).ok) {
      if (Date.now() > deadline) throw new Error(`JWT does not verify: ${JSON.stringify(verifier.verify(jwts[0]))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const uncached = createVerifier({
      url,
      credential: env.root,
      name: "bench-nocache",
      usage: false,
      staleness: LOCAL_STALENESS,
      signatureCacheSize: 0,
    });
    await uncached.ready();
    const m = jwts.length;
    const jwtFloor = new Map(jwts.map((t, i) => [hashToken(t), { id: i }]));

    // Each round measures the floor and ours back to back; the figure is the median of the
    // rounds' ratios (a burst of load elsewhere hits one round's pair, not a best-of figure).
    const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    const rounds = { floor: [], key: [], baseline: [], jwtFloor: [], jwt: [], nocache: [] };
    for (let round = 0; round < 11; round++) {
      rounds.floor.push(
        await rate((i) => floor.get(hash("sha256", secrets[i % n], "base64url")) !== undefined, 200_000),
      );
      const ours = async () => rounds.key.push(await rate((i) => verifier.verify(secrets[i % n], options).ok, 200_000));
      const theirs = async () =>
        baseline && rounds.baseline.push(await rate((i) => baseline.verify(secrets[i % n], options).ok, 200_000));
      // Alternate which build goes first, so that neither always runs on a warmer machine.
      if (round % 2 === 0) await ours().then(theirs);
      else await theirs().then(ours);
    }
    for (let round = 0; round < 7; round++) {
      rounds.jwtFloor.push(
        await rate((i) => jwtFloor.get(hash("sha256", jwts[i % m], "base64url")) !== undefined, 200_000),
      );
      rounds.jwt.push(await rate((i) => verifier.verify(jwts[i % m], options).ok, 200_000));
      rounds.nocache.push(await rate((i) => uncached.verify(jwts[i % m], options).ok, 3_000));
    }
    const ratio = (ours, base) => median(ours.map((r, i) => r / base[i])) * 100;
    row("floor: SHA-256 + Map.get (API key)", `${fmt(median(rounds.floor))}/s`, "baseline (median of 11 rounds)");
    row(
      "verify(API key)",
      `${fmt(median(rounds.key))}/s`,
      `${fmt(ratio(rounds.key, rounds.floor), 1)}% of floor, median of rounds (target >= 80%)`,
    );
    if (baseline) {
      row(
        `verify(API key), baseline build (${baselinePath})`,
        `${fmt(median(rounds.baseline))}/s`,
        `${fmt(ratio(rounds.baseline, rounds.floor), 1)}% of floor, median of rounds (this build: ${fmt(
          ratio(rounds.key, rounds.floor),
          1,
        )}%)`,
      );
    }
    row("floor: SHA-256 + Map.get (JWT string)", `${fmt(median(rounds.jwtFloor))}/s`, "baseline (median of 7 rounds)");
    row(
      "verify(JWT access token), signature cached",
      `${fmt(median(rounds.jwt))}/s`,
      `${fmt(ratio(rounds.jwt, rounds.jwtFloor), 1)}% of floor, median of rounds (target >= 80%)`,
    );
    row(
      "verify(JWT access token), Ed25519 check every time",
      `${fmt(median(rounds.nocache))}/s`,
      "(cache disabled: the cost a cache miss pays)",
    );
    await verifier.close();
    await uncached.close();
    await baseline?.close();
  } finally {
    await env.close();
  }
}

function spawnHosts(url, credential, count) {
  const hosts = [];
  for (let p = 0; p * PER_PROCESS < count; p++) {
    const n = Math.min(PER_PROCESS, count - p * PER_PROCESS);
    const child = fork(join(here, "verifier-host.js"), [url, credential, String(n), `host${p}`], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    children.add(child);
    child.on("exit", () => children.delete(child));
    const waiting = new Map();
    child.on("message", (m) => {
      if (m.type === "ready") waiting.get("ready")?.(m);
      if (m.type === "done") waiting.get(m.id)?.(m);
    });
    hosts.push({
      child,
      when: (id) => new Promise((resolve) => waiting.set(id, resolve)),
      send: (m) => child.send(m),
    });
  }
  return hosts;
}

let ids = 0;
async function everyHost(hosts, type, tokens) {
  const id = `m${++ids}`;
  const done = hosts.map((h) => h.when(id));
  for (const h of hosts) h.send({ type, id, tokens });
  return Promise.all(done);
}

/** Per suspension of a fresh key: ms from the suspend request's HTTP answer to the last verifier refusing it. */
async function suspendPropagation(hosts, { authority, url, auth, principalId, system }) {
  const times = [];
  for (let i = 0; i < REVOCATIONS; i++) {
    const key = await authority.keys.issue({ principalId, scopes: ["bench:read"] }, system);
    await everyHost(hosts, "await-accept", [key.secret]);
    const id = `m${++ids}`;
    const done = hosts.map((h) => h.when(id));
    for (const h of hosts) h.send({ type: "watch", id, tokens: [key.secret] });
    const response = await fetch(`${url}/v1/keys/${key.key.id}/suspend`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ reason: "bench" }),
    });
    await response.arrayBuffer();
    const answered = now();
    if (!response.ok) throw new Error(`suspend answered ${response.status}`);
    const last = Math.max(...(await Promise.all(done)).map((d) => d.at));
    times.push(last - answered);
  }
  return times;
}

async function fleet(kind) {
  console.log(
    `\npropagation and revoke-by-selector [${kind}], ${VERIFIERS} verifiers in ${Math.ceil(VERIFIERS / PER_PROCESS)} processes`,
  );
  let t = performance.now();
  // Four principals' keys, one revocation of SELECTOR_KEYS keys each, one per wire form:
  // - whole: every key of a principal ({principalId}): one range of key ordinals;
  // - window: a principal's keys created before a breach, a tenth more created after it survive
  //   ({principalId, createdBefore}); the keys were issued among a hundred times as many other
  //   keys (their ordinals are a hundred apart), so the survivors bound ranges;
  // - dense: every other key of a principal, by scope and creation time ({principalId, scope,
  //   createdAfter}), keys issued in a row: a bitmap of ordinals;
  // - then the rest of that principal's keys by scope alone ({principalId, scope}): the scope
  //   matched (verifiers check it on their replicas);
  // - sparse: like dense, among a hundred times as many other keys: neither ranges nor a bitmap
  //   are compact, so the feed lists every ordinal (the fallback, the worst case).
  // Ordinals given to the spread-out keys lie far above the ones issuance hands out.
  const SPREAD = 100;
  const breach = Date.now() - 60_000;
  const windowKeys = SELECTOR_KEYS + SELECTOR_KEYS / 10;
  const alternate = (j) => ({ scopes: j % 2 === 1 ? '["bench:write"]' : '["bench:read"]' });
  const env = await start(kind, async (url) => ({
    whole: await seedKeys(kind, url, "bulk", SELECTOR_KEYS, { samples: 20 }),
    window: await seedKeys(kind, url, "window", windowKeys, {
      samples: 20,
      owner: "team-window",
      shape: (j) => ({
        createdAt: j < SELECTOR_KEYS ? breach - 60_000 : breach + 1000,
        ordinal: 1e9 + j * SPREAD,
      }),
      sample: (j) => j < SELECTOR_KEYS,
    }),
    dense: await seedKeys(kind, url, "dense", 2 * SELECTOR_KEYS, {
      samples: 20,
      owner: "team-dense",
      shape: alternate,
      sample: (j) => j % 2 === 1,
      alsoSample: (j) => j % 2 === 0,
    }),
    sparse: await seedKeys(kind, url, "sparse", 2 * SELECTOR_KEYS, {
      samples: 20,
      owner: "team-sparse",
      shape: (j) => ({ ...alternate(j), ordinal: 2e9 + j * SPREAD }),
      sample: (j) => j % 2 === 1,
    }),
  }));
  const perVerifier = SELECTOR_KEYS + windowKeys + 4 * SELECTOR_KEYS;
  row(`seeded ${fmt(perVerifier)} keys (direct inserts before start)`, `${fmt(performance.now() - t)} ms`, "(fixture)");
  const hosts = [];
  try {
    const { authority, url } = env.running;
    const single = await authority.principals.create(
      { name: "single", kind: "service", owner: "bench", allowedScopes: ["bench:read"] },
      env.system,
    );
    t = performance.now();
    hosts.push(...spawnHosts(url, env.root, VERIFIERS));
    const ready = await Promise.all(hosts.map((h) => h.when("ready")));
    row(
      `${VERIFIERS} verifiers ready (each loads ${fmt(perVerifier)} keys)`,
      `${fmt(performance.now() - t)} ms`,
      `slowest process ${fmt(Math.max(...ready.map((r) => r.ms)))} ms`,
    );

    const auth = { authorization: `Bearer ${env.root}`, "content-type": "application/json" };
    const propagation = [];
    for (let i = 0; i < REVOCATIONS; i++) {
      const key = await authority.keys.issue({ principalId: single.id, scopes: ["bench:read"] }, env.system);
      await everyHost(hosts, "await-accept", [key.secret]);
      const id = `m${++ids}`;
      const done = hosts.map((h) => h.when(id));
      for (const h of hosts) h.send({ type: "watch", id, tokens: [key.secret] });
      const response = await fetch(`${url}/v1/keys/${key.key.id}/revoke`, {
        method: "POST",
        headers: auth,
        body: JSON.stringify({ reason: "bench" }),
      });
      await response.arrayBuffer();
      const answered = now();
      if (!response.ok) throw new Error(`revoke answered ${response.status}`);
      const last = Math.max(...(await Promise.all(done)).map((d) => d.at));
      propagation.push(last - answered);
    }
    row(
      "propagation p50 (HTTP answer -> last verifier rejecting)",
      `${fmt(percentile(propagation, 50), 2)} ms`,
      "(negative: every verifier rejected before the answer arrived)",
    );
    row(
      "propagation p99",
      `${fmt(percentile(propagation, 99), 2)} ms`,
      "target p99 < 10 ms (issue 17; DESIGN bar 50 ms)",
    );
    row("propagation max", `${fmt(Math.max(...propagation), 2)} ms`, `${REVOCATIONS} revocations`);

    // Suspension (issue 13) rides the same feed path: the same measure, in the same run.
    const suspension = await suspendPropagation(hosts, {
      authority,
      url,
      auth,
      principalId: single.id,
      system: env.system,
    });
    row(
      "suspend propagation p50 (HTTP answer -> last verifier refusing)",
      `${fmt(percentile(suspension, 50), 2)} ms`,
      `revoke p50 above: ${fmt(percentile(propagation, 50), 2)} ms`,
    );
    row(
      "suspend propagation p99",
      `${fmt(percentile(suspension, 99), 2)} ms`,
      `revoke p99 above: ${fmt(percentile(propagation, 99), 2)} ms`,
    );

    // One more with ?wait: the receipt the authority gives.
    const key = await authority.keys.issue({ principalId: single.id, scopes: ["bench:read"] }, env.system);
    await everyHost(hosts, "await-accept", [key.secret]);
    const withReceipt = await fetch(`${url}/v1/keys/${key.key.id}/revoke?wait=5s`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ reason: "bench" }),
    });
    const { receipt } = await withReceipt.json();
    row(
      "receipt (?wait=5s): confirmed / total",
      `${receipt.verifiers.confirmed} / ${receipt.verifiers.total}`,
      `slowest confirmation ${receipt.slowestConfirmationMs} ms (acks included)`,
    );

    const bySelector = async (selector, samples, label) => {
      const id = `m${++ids}`;
      const done = hosts.map((h) => h.when(id));
      for (const h of hosts) h.send({ type: "watch", id, tokens: samples });
      const started = now();
      const response = await fetch(`${url}/v1/revocations`, {
        method: "POST",
        headers: auth,
        body: JSON.stringify({ selector, reason: "bench: revoke by selector" }),
      });
      const result = await response.json();
      const answered = now();
      if (result.revoked !== SELECTOR_KEYS)
        throw new Error(`selector revoked ${result.revoked}: ${JSON.stringify(result).slice(0, 300)}`);
      const last = Math.max(...(await Promise.all(done)).map((d) => d.at));
      // Which form the revocation went to verifiers in, read back from the change log.
      const stored = await authority.database.db
        .selectFrom("change_log")
        .select("data")
        .where("type", "=", "key.revoked")
        .orderBy("seq", "desc")
        .executeTakeFirstOrThrow();
      const data = JSON.parse(stored.data);
      const form = data.runs
        ? "ranges"
        : data.scopeMatch
          ? "the scope matched"
          : data.ordinalBitmap
            ? "bitmap"
            : data.ordinalDeltas
              ? "ordinals listed"
              : "ids listed";
      console.log(`  revoke ${fmt(SELECTOR_KEYS)} keys by ${label} (on the wire: ${form})`);
      row("  HTTP answer", `${fmt(answered - started)} ms`, "(durable, committed)");
      row(`  request -> all ${VERIFIERS} verifiers reject`, `${fmt(last - started)} ms`, "target < 2,000 ms");
    };
    await bySelector({ principalId: env.seeded.whole.principalId }, env.seeded.whole.samples, "{principalId}");
    await bySelector(
      { principalId: env.seeded.window.principalId, createdBefore: new Date(breach).toISOString() },
      env.seeded.window.samples,
      "{principalId, createdBefore}, keys issued among others",
    );
    await bySelector(
      { principalId: env.seeded.dense.principalId, scope: "bench:write", createdAfter: new Date(0).toISOString() },
      env.seeded.dense.samples,
      "{principalId, scope, createdAfter}, every other key, issued in a row",
    );
    await bySelector(
      { principalId: env.seeded.dense.principalId, scope: "bench:read" },
      env.seeded.dense.alsoSamples,
      "{principalId, scope}, the other half",
    );
    await bySelector(
      { principalId: env.seeded.sparse.principalId, scope: "bench:write", createdAfter: new Date(0).toISOString() },
      env.seeded.sparse.samples,
      "{principalId, scope, createdAfter}, every other key, issued among others",
    );
  } finally {
    for (const h of hosts) h.send({ type: "close" });
    await Promise.all(
      hosts.map(
        (h) => new Promise((resolve) => (h.child.exitCode !== null ? resolve() : h.child.once("exit", resolve))),
      ),
    );
    await env.close();
  }
}

async function memory() {
  console.log(`\none verifier holding ${fmt(MEMORY_KEYS)} keys [sqlite]`);
  const t = performance.now();
  const env = await start("sqlite", (url) => seedKeys("sqlite", url, "many", MEMORY_KEYS));
  row(`seeded ${fmt(MEMORY_KEYS)} keys (direct inserts before start)`, `${fmt(performance.now() - t)} ms`, "(fixture)");
  try {
    const { url } = env.running;
    const child = fork(join(here, "memory.js"), [url, env.root], {
      execArgv: ["--expose-gc"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    children.add(child);
    const result = await new Promise((resolve, reject) => {
      child.once("message", resolve);
      child.once("exit", (code) => reject(new Error(`memory child exited with ${code}`)));
    });
    children.delete(child);
    const mb = (b) => `${fmt(b / 1048576, 1)} MB`;
    row("keys in the replica", fmt(result.keys), "");
    row("time to ready (snapshot over loopback, parsed, indexed)", `${fmt(result.readyMs)} ms`, "target < 3,000 ms");
    row("resident memory growth (RSS delta)", mb(result.rssDelta), "target < 300 MB");
    row("heap used after GC", mb(result.heapUsed), `RSS ${mb(result.rss)}`);
  } finally {
    await env.close();
  }
}

const stop = () => {
  for (const child of children) child.kill("SIGKILL");
};
process.on("exit", stop);
process.on("SIGINT", () => process.exit(130));

const only = process.env.BENCH_VERIFIER_ONLY?.split(",");
const want = (name) => !only || only.includes(name);
const timer = setTimeout(() => {
  console.error("verifier bench exceeded 15 minutes: stopping");
  process.exit(1);
}, 900_000);
timer.unref();
try {
  if (want("local")) await localThroughput();
  const stores = process.env.BENCH_VERIFIER_STORES?.split(",") ?? ["sqlite", "postgres"];
  if (want("fleet") && stores.includes("sqlite")) await fleet("sqlite");
  if (want("fleet") && stores.includes("postgres")) {
    if (await postgresAvailable()) await fleet("postgres");
    else console.log("\n(PostgreSQL not reachable: fleet figures on SQLite only)");
  }
  if (want("memory")) await memory();
} finally {
  for (const c of cleanups) await c();
}
process.exit(0);
