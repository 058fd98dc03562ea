// Rotation campaign benchmark, on SQLite and on PostgreSQL (when reachable): a campaign over
// BENCH_CAMPAIGN_KEYS (10,000) credentials of 100 principals and 10 owners, each with an export
// recipient. Times for dry run, execute, finalize and (on a second campaign) rollback, each beside
// a baseline measured in the same run on the same database:
//   - dry run   vs. a bare SELECT of the same rows;
//   - execute   vs. a bare multi-row INSERT of as many key rows plus a bare UPDATE of as many rows
//               in one transaction (the floor: no audit, change log, hashing or encryption), and
//               vs. BENCH_SINGLE_ROTATIONS single rotations through the service, scaled per key;
//   - finalize  vs. a bare UPDATE revoking as many rows;
// Loopback only; cleans up after itself.
import { randomBytes } from "node:crypto";
import { exportJWK, generateKeyPair } from "jose";
import { createAuthority, loadConfig } from "../../packages/authority/dist/index.js";
import { displayStart, generateToken, hashToken } from "../../packages/verifier/dist/index.js";
import { createStore as createBenchStore, PG_URL, postgresAvailable } from "../lib/stores.js";

const KEYS = Number(process.env.BENCH_CAMPAIGN_KEYS ?? 10_000);
const SINGLE = Number(process.env.BENCH_SINGLE_ROTATIONS ?? 500);
const OWNERS = 10;
const PRINCIPALS = 100;
const rng = (n) => new Uint8Array(randomBytes(n));
const system = { id: "system:bench", scopes: new Set(["keys:read", "keys:write", "keys:revoke", "principals:write"]) };

function keyRow(id, principalId, scope, now) {
  const secret = generateToken("tsk", rng);
  return {
    id,
    principal_id: principalId,
    key_hash: hashToken(secret),
    start: displayStart(secret),
    scopes: JSON.stringify([scope, "bench:common"]),
    audience: null,
    description: "",
    metadata: "{}",
    status: "active",
    created_at: now,
    created_by: "bench",
    expires_at: now + 30 * 86_400_000,
    revoked_at: null,
    revoked_by: null,
    revoked_reason: null,
    replaced_by: null,
    replaces: null,
    grace_until: null,
    expires_at_before_rotation: null,
    last_used_at: null,
  };
}

/** Inserts rows in multi-row statements of 400 (the campaign's own batch size). */
async function insertRows(db, table, rows) {
  for (let i = 0; i < rows.length; i += 400)
    await db
      .insertInto(table)
      .values(rows.slice(i, i + 400))
      .execute();
}

async function timed(fn) {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

async function benchStore(kind) {
  const store = await createBenchStore(kind, "bench-campaigns");
  const config = loadConfig({}, { databaseUrl: store.url, logLevel: "warn", jobsIntervalMs: 0 });
  const authority = await createAuthority({ config });
  const db = authority.database.db;
  const results = {};
  try {
    // Fixtures: principals under 10 owners, KEYS keys for the campaign scope, inserted directly.
    const principals = [];
    for (let p = 0; p < PRINCIPALS; p++) {
      const created = await authority.principals.create(
        {
          name: `bench-${p}`,
          kind: "service",
          owner: `owner-${p % OWNERS}`,
          allowedScopes: ["bench:a", "bench:b", "bench:common", "bench:single", "bench:floor"],
        },
        system,
      );
      principals.push(created.id);
    }
    const now = Date.now();
    const seed = (scope, prefix, count) =>
      Array.from({ length: count }, (_, i) => keyRow(`key_${prefix}${i}`, principals[i % PRINCIPALS], scope, now));
    await insertRows(db, "api_keys", seed("bench:a", "a", KEYS));
    await insertRows(db, "api_keys", seed("bench:b", "b", KEYS));

    const recipients = {};
    for (let o = 0; o < OWNERS; o++) {
      const { publicKey } = await generateKeyPair("ECDH-ES+A256KW", { crv: "X25519" });
      recipients[`owner-${o}`] = await exportJWK(publicKey);
    }

    // Dry run vs. a bare SELECT of the same rows.
    const { campaign } = await authority.campaigns.create(
      { selector: { scope: "bench:a" }, description: "bench", exportRecipients: recipients },
      system,
    );
    const dry = await timed(() => authority.campaigns.dryRun(campaign.id));
    if (dry.value.blastRadius.total !== KEYS) throw new Error(`dry run saw ${dry.value.blastRadius.total} keys`);
    const bareSelect = await timed(() =>
      db
        .selectFrom("api_keys")
        .selectAll()
        .where("scopes", "like", '%"bench:a"%')
        .where("status", "=", "active")
        .execute(),
    );
    results.dryRun = { ms: dry.ms, baselineMs: bareSelect.ms, baseline: "bare SELECT of the rows" };

    // Execute vs. the floor (bare INSERT + UPDATE of as many rows in one transaction).
    const execute = await timed(() =>
      authority.campaigns.execute(campaign.id, { stepUp: { otp: "000000", justification: "bench" } }, system),
    );
    if (execute.value.campaign.keys !== KEYS) throw new Error(`executed ${execute.value.campaign.keys} keys`);
    const floorRows = seed("bench:floor", "floor", KEYS);
    const floor = await timed(() =>
      db.transaction().execute(async (trx) => {
        await insertRows(trx, "api_keys", floorRows);
        await trx
          .updateTable("api_keys")
          .set({ status: "deprecated", grace_until: now + 86_400_000 })
          .where("scopes", "like", '%"bench:b"%')
          .execute();
      }),
    );
    // Single rotations through the service, scaled to KEYS.
    const singles = seed("bench:single", "single", SINGLE);
    await insertRows(db, "api_keys", singles);
    const single = await timed(async () => {
      for (const row of singles) await authority.lifecycle.rotate(row.id, {}, system);
    });
    results.execute = {
      ms: execute.ms,
      baselineMs: floor.ms,
      baseline: "bare INSERT + UPDATE of as many rows, one transaction",
      singleRotationsScaledMs: (single.ms / SINGLE) * KEYS,
      singleRotationsMeasured: `${SINGLE} in ${single.ms.toFixed(0)} ms`,
    };

    // Finalize vs. a bare UPDATE revoking as many rows.
    const finalize = await timed(() =>
      authority.campaigns.finalize(campaign.id, { stepUp: { otp: "000000", justification: "bench" } }, system),
    );
    if (finalize.value.revoked !== KEYS) throw new Error(`finalize revoked ${finalize.value.revoked}`);
    const bareRevoke = await timed(() =>
      db
        .updateTable("api_keys")
        .set({ status: "revoked", revoked_at: Date.now(), revoked_by: "bench", revoked_reason: "bench" })
        .where("id", "like", "key_floor%")
        .execute(),
    );
    results.finalize = { ms: finalize.ms, baselineMs: bareRevoke.ms, baseline: "bare UPDATE revoking the rows" };

    // Rollback of a second campaign over the other KEYS keys.
    // (the floor above deprecated these rows: make them active again first)
    await db
      .updateTable("api_keys")
      .set({ status: "active", grace_until: null })
      .where("id", "like", "key_b%")
      .execute();
    const second = await authority.campaigns.create(
      { selector: { scope: "bench:b" }, description: "bench rollback", exportRecipients: recipients },
      system,
    );
    await authority.campaigns.execute(
      second.campaign.id,
      { stepUp: { otp: "000000", justification: "bench" } },
      system,
    );
    const rollback = await timed(() => authority.campaigns.rollback(second.campaign.id, { reason: "bench" }, system));
    if (rollback.value.restored !== KEYS) throw new Error(`rollback restored ${rollback.value.restored}`);
    results.rollback = { ms: rollback.ms, baselineMs: bareRevoke.ms, baseline: "bare UPDATE revoking the rows" };
    return results;
  } finally {
    await authority.close();
    await store.drop();
  }
}

const kinds = ["sqlite"];
if (await postgresAvailable()) kinds.push("postgres");
else console.log(`(PostgreSQL at ${PG_URL} not reachable: SQLite only)`);
console.log(`campaign of ${KEYS.toLocaleString("en")} credentials, ${PRINCIPALS} principals, ${OWNERS} owners`);
for (const kind of kinds) {
  const r = await benchStore(kind);
  console.log(`\n[${kind}]`);
  for (const [step, m] of Object.entries(r)) {
    const ratio = m.ms / m.baselineMs;
    console.log(
      `  ${step.padEnd(9)} ${m.ms.toFixed(0).padStart(7)} ms   baseline ${m.baselineMs.toFixed(0).padStart(6)} ms (${m.baseline}): x${ratio.toFixed(1)}`,
    );
    if (m.singleRotationsScaledMs !== undefined) {
      console.log(
        `  ${"".padEnd(9)} ${"".padStart(7)}      single rotations via the service: ${m.singleRotationsMeasured}, ` +
          `${(m.singleRotationsScaledMs / 1000).toFixed(1)} s for ${KEYS.toLocaleString("en")} (execute is x${(m.singleRotationsScaledMs / m.ms).toFixed(1)} faster)`,
      );
    }
  }
}
