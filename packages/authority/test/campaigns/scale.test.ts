/**
 * Campaigns past every batch boundary (inserts of 400, change-log inserts of 500, restores of
 * 800), concurrent steps on one campaign (as from several authority instances), and secrets
 * handed to webhooks instead of an export file. On SQLite and PostgreSQL.
 */
import { displayStart, generateToken, hashToken } from "@tessera/verifier";
import { afterEach, beforeEach, expect, it } from "vitest";
import type { ApiKeysTable } from "../../src/db/schema.js";
import type { TesseraError } from "../../src/errors.js";
import { secureRandomBytes } from "../../src/ids.js";
import { createHarness, type Harness } from "../harness.js";
import { keyRowFixture } from "../key-row.js";
import { describeEachStore } from "../stores.js";
import { recipient, replicaFromChangeLog, replicaState } from "./fixture.js";

const KEYS = 1_234;

describeEachStore("rotation campaigns at scale", (kind) => {
  let h: Harness;
  let secrets: Map<string, string>;

  beforeEach(async () => {
    h = await createHarness(kind);
    const principals = [
      await h.principal({ owner: "bulk", scopes: ["orders:read"] }),
      await h.principal({ owner: "bulk", scopes: ["orders:read"] }),
    ];
    // Fixture rows written directly (issuing 1,234 keys one by one would only slow the test).
    secrets = new Map();
    const now = h.clock.now();
    const rows: ApiKeysTable[] = [];
    for (let i = 0; i < KEYS; i++) {
      const secret = generateToken("tsk", secureRandomBytes);
      const id = `key_bulk${String(i).padStart(5, "0")}`;
      secrets.set(id, secret);
      rows.push(
        keyRowFixture({
          id,
          principal_id: principals[i % 2] as string,
          key_hash: hashToken(secret),
          start: displayStart(secret),
          created_at: now,
          expires_at: i % 3 === 0 ? null : now + 86_400_000 * (1 + (i % 5)),
        }),
      );
    }
    for (let i = 0; i < rows.length; i += 300) {
      await h.authority.database.db
        .insertInto("api_keys")
        .values(rows.slice(i, i + 300))
        .execute();
    }
  });
  afterEach(async () => {
    await h.close();
  });

  it("executes, then rolls back, 1,234 keys with a gap-free change log and a right replica", async () => {
    const owner = await recipient();
    const before = await h.authority.database.db
      .selectFrom("api_keys")
      .select(["id", "expires_at"])
      .where("id", "like", "key_bulk%")
      .execute();
    const { campaign } = await h.authority.campaigns.create(
      {
        selector: { owner: "bulk" },
        description: "bulk",
        exportRecipients: { bulk: owner.publicJwk },
        graceMs: 3_600_000,
      },
      h.system,
    );
    const executed = await h.authority.campaigns.execute(campaign.id, {}, h.system);
    expect(executed.campaign.keys).toBe(KEYS);
    const payload = await owner.decrypt((await h.authority.campaigns.takeExport(campaign.id, "bulk", h.system)).jwe);
    expect(payload.keys).toHaveLength(KEYS);

    const seqs = (await h.authority.database.db.selectFrom("change_log").select("seq").orderBy("seq").execute()).map(
      (r) => Number(r.seq),
    );
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    let replica = await replicaFromChangeLog(h.authority);
    for (const [, secret] of secrets) expect(replicaState(replica, secret)).toBe("deprecated");
    for (const k of payload.keys) expect(replicaState(replica, k.secret)).toBe("active");
    const deprecated = await h.authority.database.db
      .selectFrom("api_keys")
      .select((eb) => eb.fn.countAll().as("n"))
      .where("status", "=", "deprecated")
      .where("grace_until", "=", h.clock.now() + 3_600_000)
      .executeTakeFirstOrThrow();
    expect(Number(deprecated.n)).toBe(KEYS);

    const rolled = await h.authority.campaigns.rollback(campaign.id, { reason: "bulk undo" }, h.system);
    expect(rolled).toMatchObject({ restored: KEYS, revoked: KEYS });
    const after = await h.authority.database.db
      .selectFrom("api_keys")
      .select(["id", "expires_at", "status"])
      .where("id", "like", "key_bulk%")
      .execute();
    const expiry = new Map(before.map((r) => [r.id, r.expires_at === null ? null : Number(r.expires_at)]));
    for (const row of after) {
      expect(row.status).toBe("active");
      expect(row.expires_at === null ? null : Number(row.expires_at)).toBe(expiry.get(row.id));
    }
    replica = await replicaFromChangeLog(h.authority);
    for (const [, secret] of secrets) expect(replicaState(replica, secret)).toBe("active");
    for (const k of payload.keys) expect(replicaState(replica, k.secret)).toBe("absent");
  });

  it("lets exactly one of two concurrent executions and finalizations through", async () => {
    const owner = await recipient();
    const { campaign } = await h.authority.campaigns.create(
      { selector: { owner: "bulk" }, description: "race", exportRecipients: { bulk: owner.publicJwk } },
      h.system,
    );
    const executions = await Promise.allSettled([
      h.authority.campaigns.execute(campaign.id, {}, h.system),
      h.authority.campaigns.execute(campaign.id, {}, h.system),
    ]);
    expect(executions.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const refused = executions.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect((refused.reason as TesseraError).code).toBe("campaign_state");
    const replacements = await h.authority.database.db
      .selectFrom("api_keys")
      .select((eb) => eb.fn.countAll().as("n"))
      .where("replaces", "is not", null)
      .executeTakeFirstOrThrow();
    expect(Number(replacements.n)).toBe(KEYS);

    const finals = await Promise.allSettled([
      h.authority.campaigns.finalize(campaign.id, {}, h.system),
      h.authority.campaigns.finalize(campaign.id, {}, h.system),
    ]);
    expect(finals.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(((finals.find((r) => r.status === "rejected") as PromiseRejectedResult).reason as TesseraError).code).toBe(
      "campaign_state",
    );
    const finalized = await h.authority.audit.list({ action: "campaign.finalized", limit: 10 });
    expect(finalized.items).toHaveLength(1);
  });

  it("hands the new secrets to the owner's webhook endpoint when it has no export recipient", async () => {
    await h.authority.webhooks.create(
      { url: "http://127.0.0.1:9/hook", owner: "bulk", events: ["key.secret_distributed"] },
      h.system,
    );
    const { campaign } = await h.authority.campaigns.create(
      { selector: { owner: "bulk" }, description: "webhooks" },
      h.system,
    );
    const executed = await h.authority.campaigns.execute(campaign.id, {}, h.system);
    expect(executed.distribution).toEqual({ exports: [], webhooks: { secrets: KEYS, endpoints: 1 } });
    const queued = await h.authority.database.db
      .selectFrom("webhook_deliveries")
      .select((eb) => eb.fn.countAll().as("n"))
      .executeTakeFirstOrThrow();
    expect(Number(queued.n)).toBeGreaterThanOrEqual(KEYS);
  });
});
