// Usage ingestion (issue 13): usage entries per second the authority absorbs from 100 verifiers
// reporting 10,000 distinct active keys, from the HTTP report to the rows committed, on SQLite
// and PostgreSQL. Baseline in the same run and store: a bare batched insert (400 rows per
// statement, one transaction) of as many rows as the flush wrote, as entries per second.
// Target: >= 50,000 entries/s. Loopback only, bounded (3 rounds), cleans up after itself.
import { randomBytes } from "node:crypto";
import { loadavg } from "node:os";
import { sql } from "kysely";
import { loadConfig, openDatabase, startAuthority } from "../../packages/authority/dist/index.js";
import { systemActor } from "../../packages/authority/dist/principals/bootstrap.js";
import { createStore, postgresAvailable } from "../lib/stores.js";

const KEYS = Number(process.env.BENCH_USAGE_KEYS ?? 10_000);
const VERIFIERS = 100;
const KEYS_PER_REPORT = 1000;
const ROUNDS = 3;
const ROUTES = ["GET /orders", "POST /orders", "GET /orders/{id}", "GET /invoices", "DELETE /orders/{id}"];

const fmt = (n) => Math.round(n).toLocaleString("en-US");

async function seedKeys(db, principalId) {
  const ids = Array.from({ length: KEYS }, (_, i) => `key_bench${String(i).padStart(15, "0")}`);
  for (let i = 0; i < ids.length; i += 500) {
    await db
      .insertInto("api_keys")
      .values(
        ids.slice(i, i + 500).map((id) => ({
          id,
          principal_id: principalId,
          key_hash: randomBytes(32).toString("base64url"),
          start: "tsk_bench",
          scopes: '["orders:read"]',
          audience: null,
          description: "",
          metadata: "{}",
          status: "active",
          created_at: Date.now(),
          created_by: "bench",
          canary: 0,
        })),
      )
      .execute();
  }
  return ids;
}

function reports(ids, round) {
  return Array.from({ length: VERIFIERS }, (_, v) => ({
    verifierId: `vfy_bench_${String(v).padStart(3, "0")}`,
    dropped: 0,
    entries: Array.from({ length: KEYS_PER_REPORT }, (_, j) => {
      const k = (v * KEYS_PER_REPORT + j) % ids.length;
      return {
        keyId: ids[k],
        kind: "api_key",
        outcome: j % 50 === 0 ? "scope_insufficient" : "ok",
        route: ROUTES[(k + round) % ROUTES.length],
        address: `10.${k % 200}.${(k >> 8) % 200}.${(v % 4) + 1}`,
        userAgent: `svc-${k % 40}/1.${round}`,
        count: 1 + (j % 7),
        lastAt: Date.now(),
      };
    }),
  }));
}

async function post(url, key, body) {
  const response = await fetch(`${url}/v1/verifiers/usage`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (response.status !== 204) throw new Error(`usage report answered ${response.status}: ${await response.text()}`);
}

/** The bare floor: as many rows as one flush wrote, inserted in batches in one transaction. */
async function bareInsert(url, rows) {
  const database = await openDatabase(url, { migrate: false });
  const db = database.db;
  await sql`create table bench_bare (a text not null, b text not null, c bigint not null, d bigint not null, primary key (a, b))`.execute(
    db,
  );
  const values = Array.from({ length: rows }, (_, i) => ({ a: `key_${i % KEYS}`, b: `v${i}`, c: i, d: 1 }));
  const started = performance.now();
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < values.length; i += 400)
      await trx
        .insertInto("bench_bare")
        .values(values.slice(i, i + 400))
        .execute();
  });
  const ms = performance.now() - started;
  await sql`drop table bench_bare`.execute(db);
  await database.close();
  return ms;
}

async function measure(kind) {
  const store = await createStore(kind, "usage");
  const running = await startAuthority(
    loadConfig(
      { TESSERA_MASTER_KEY: randomBytes(32).toString("base64") },
      {
        databaseUrl: store.url,
        port: 0,
        logLevel: "warn",
        rateLimitPerAddress: 0,
        rateLimitPerClient: 0,
        usageFlushIntervalMs: 3_600_000,
        jobsIntervalMs: 0,
      },
    ),
    { logger: false },
  );
  try {
    const { authority } = running;
    const principal = await authority.principals.create(
      { name: "bench", kind: "service", owner: "bench", allowedScopes: ["orders:read"] },
      systemActor("bench"),
    );
    const ids = await seedKeys(authority.database.db, principal.id);
    const root = running.bootstrap.rootKey.secret;
    let entries = 0;
    let ms = 0;
    let flushMs = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const batch = reports(ids, round);
      const started = performance.now();
      // Ten verifiers at a time, as a fleet reporting on its 2 s timers would overlap.
      for (let i = 0; i < batch.length; i += 10) {
        await Promise.all(batch.slice(i, i + 10).map((body) => post(running.url, root, body)));
      }
      const flushStarted = performance.now();
      await authority.usageStore.flush();
      flushMs += performance.now() - flushStarted;
      ms += performance.now() - started;
      entries += batch.reduce((n, r) => n + r.entries.length, 0);
    }
    const count = async (table) =>
      Number(
        (
          await authority.database.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as("n"))
            .executeTakeFirst()
        ).n,
      );
    // Rows one flush writes, about: a round's counts (both granularities) and the seen values.
    const rowsPerFlush = (await count("key_usage")) / ROUNDS + (await count("key_usage_seen"));
    const check = await authority.usageStore.ofKey(ids[0], { bucket: "hour" });
    if (Object.values(check.totals).reduce((a, b) => a + b, 0) === 0) throw new Error("nothing was stored");
    return { entries, ms, flushMs, rowsPerFlush };
  } finally {
    await running.close();
    await store.drop();
  }
}

console.log(
  `usage ingestion: ${VERIFIERS} verifiers x ${fmt(KEYS_PER_REPORT)} entries each, ${fmt(KEYS)} distinct keys, ${ROUNDS} rounds; load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);
for (const kind of ["sqlite", ...((await postgresAvailable()) ? ["postgres"] : [])]) {
  const r = await measure(kind);
  const baseline = await (async () => {
    const s = await createStore(kind, "usage-bare");
    try {
      return await bareInsert(s.url, Math.round(r.rowsPerFlush));
    } finally {
      await s.drop();
    }
  })();
  const perSecond = (r.entries / r.ms) * 1000;
  const flushPerRound = r.flushMs / ROUNDS;
  const floorPerSecond = (r.entries / ROUNDS / baseline) * 1000;
  console.log(
    `  ${kind.padEnd(8)} absorbed ${fmt(perSecond)} entries/s (report over HTTP + fold + flush; target >= 50,000)\n` +
      `           flush of one round: ${fmt(flushPerRound)} ms for ${fmt(r.rowsPerFlush)} rows; ` +
      `baseline: a bare batched insert of as many rows ${fmt(baseline)} ms = ${fmt(floorPerSecond)} entries/s equivalent`,
  );
}
