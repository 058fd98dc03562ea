/**
 * Emergency rotation campaigns through the service: dry run, execute, the safe-to-retire signal,
 * finalize (refused while old keys are in use), rollback (also after replacements were partly
 * used), export files, and bad input that changes nothing. On SQLite and PostgreSQL.
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import { parseLifetimePolicies } from "../../src/domain/lifetime-policy.js";
import type { TesseraError } from "../../src/errors.js";
import { createHarness, type Harness } from "../harness.js";
import { describeEachStore } from "../stores.js";
import { everythingStored, type Recipient, recipient, replicaFromChangeLog, replicaState } from "./fixture.js";

const HOUR = 3_600_000;
const MINUTE = 60_000;

async function rejects(promise: Promise<unknown>): Promise<TesseraError> {
  try {
    await promise;
  } catch (error) {
    return error as TesseraError;
  }
  throw new Error("expected a rejection");
}

describeEachStore("rotation campaigns", (kind) => {
  let h: Harness;
  let teamA: Recipient;
  let teamB: Recipient;
  let keys: { id: string; secret: string; principalId: string; owner: string }[];

  async function counts() {
    const db = h.authority.database.db;
    const one = async (
      table: "campaigns" | "campaign_keys" | "campaign_exports" | "api_keys" | "audit_log" | "change_log",
    ) =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as("n"))
            .executeTakeFirstOrThrow()
        ).n,
      );
    return {
      campaigns: await one("campaigns"),
      campaignKeys: await one("campaign_keys"),
      exports: await one("campaign_exports"),
      apiKeys: await one("api_keys"),
      audit: await one("audit_log"),
      changes: await one("change_log"),
    };
  }

  async function issue(owner: string, scopes: string[], principalId?: string) {
    const pid = principalId ?? (await h.principal({ owner, scopes: ["orders:read", "orders:write", "billing:read"] }));
    const issued = await h.authority.keys.issue({ principalId: pid, scopes }, h.system);
    return { id: issued.key.id, secret: issued.secret, principalId: pid, owner };
  }

  async function draft(extra: Record<string, unknown> = {}) {
    return h.authority.campaigns.create(
      {
        selector: { scope: "orders:read" },
        description: "incident 42: CI logs leaked",
        graceMs: 24 * HOUR,
        ...extra,
      },
      h.system,
    );
  }

  async function executed() {
    const { campaign } = await draft({ exportRecipients: { "team-a": teamA.publicJwk, "team-b": teamB.publicJwk } });
    const result = await h.authority.campaigns.execute(
      campaign.id,
      { stepUp: { otp: "000000", justification: "rotate everything the leak exposed" } },
      h.system,
    );
    const a = await teamA.decrypt((await h.authority.campaigns.takeExport(campaign.id, "team-a", h.system)).jwe);
    const b = await teamB.decrypt((await h.authority.campaigns.takeExport(campaign.id, "team-b", h.system)).jwe);
    const secretOf = new Map([...a.keys, ...b.keys].map((k) => [k.replaces, k]));
    return { id: campaign.id, result, secretOf };
  }

  beforeEach(async () => {
    h = await createHarness(kind);
    teamA = await recipient("X25519");
    teamB = await recipient("P-256");
    const shared = await h.principal({ owner: "team-a", scopes: ["orders:read", "orders:write", "billing:read"] });
    keys = [
      await issue("team-a", ["orders:read", "orders:write"], shared),
      await issue("team-a", ["orders:read"], shared),
      await issue("team-a", ["orders:read", "billing:read"]),
      await issue("team-b", ["orders:read"]),
      await issue("team-b", ["orders:read", "orders:write"]),
    ];
    // Not selected: no orders:read.
    await issue("team-c", ["billing:read"]);
  });
  afterEach(async () => {
    await h.close();
  });

  it("dry run shows the blast radius by owner, principal and scope, and recent use, writing nothing", async () => {
    const { campaign, selected } = await draft();
    expect(selected).toBe(5);
    h.authority.usage.record(keys[0]?.id as string, h.clock.now() - 5 * MINUTE);
    h.authority.usage.record(keys[3]?.id as string, h.clock.now() - 2 * HOUR);
    const before = await counts();
    const dry = await h.authority.campaigns.dryRun(campaign.id);
    expect(dry.blastRadius.total).toBe(5);
    expect(dry.blastRadius.byOwner).toEqual([
      { owner: "team-a", keys: 3 },
      { owner: "team-b", keys: 2 },
    ]);
    expect(dry.blastRadius.byScope).toEqual([
      { scope: "orders:read", keys: 5 },
      { scope: "orders:write", keys: 2 },
      { scope: "billing:read", keys: 1 },
    ]);
    expect(dry.blastRadius.byPrincipal[0]).toMatchObject({
      principalId: keys[0]?.principalId,
      owner: "team-a",
      keys: 2,
    });
    expect(dry.blastRadius.byPrincipal).toHaveLength(4);
    // Used 5 minutes ago: within the 15-minute in-use window; 2 hours ago is not.
    expect(dry.blastRadius.recentlyUsed.keys).toBe(1);
    expect(dry.blastRadius.recentlyUsed.sample.map((k) => k.id)).toEqual([keys[0]?.id]);
    expect(dry.blastRadius.neverUsed).toBe(3);
    expect(dry.ownersWithoutRecipient).toEqual(["team-a", "team-b"]);
    expect(await counts()).toEqual(before);
    expect((await h.authority.keys.get(keys[0]?.id as string)).state).toBe("active");
  });

  it("execute pre-generates replacements in one transaction and deprecates the old keys for the grace window", async () => {
    const startSeq = (await counts()).changes;
    const { id, result, secretOf } = await executed();
    expect(result.campaign).toMatchObject({ status: "executed", keys: 5 });
    expect(result.distribution.exports).toEqual([
      { owner: "team-a", keys: 3 },
      { owner: "team-b", keys: 2 },
    ]);
    const graceUntil = h.clock.now() + 24 * HOUR;
    for (const old of keys) {
      const view = await h.authority.keys.get(old.id);
      expect(view.state).toBe("deprecated");
      expect(Date.parse(view.graceUntil as string)).toBe(graceUntil);
      const exported = secretOf.get(old.id);
      expect(exported?.secret).toMatch(/^tsk_/);
      const replacement = await h.authority.keys.get(exported?.keyId as string);
      expect(replacement).toMatchObject({ state: "active", replaces: old.id, principalId: old.principalId });
      expect(view.replacedBy).toBe(replacement.id);
      expect(replacement.scopes).toEqual((await h.authority.keys.get(old.id)).scopes);
      // The exported secret is the replacement's: its hash is the stored one.
      const found = await h.authority.lookupKey(exported?.secret as string);
      expect(found.found && found.key.id).toBe(replacement.id);
    }
    // One key.rotated per pair, then campaign.executed; the replica holds both keys of every pair.
    const changes = await h.authority.database.db
      .selectFrom("change_log")
      .select(["seq", "type"])
      .where("seq", ">", startSeq)
      .orderBy("seq")
      .execute();
    const types = changes.map((c) => c.type);
    expect(types.filter((t) => t === "key.rotated")).toHaveLength(5);
    expect(types.at(-1)).toBe("campaign.executed");
    expect(Number(changes.at(-1)?.seq)).toBe(result.sequence);
    const replica = await replicaFromChangeLog(h.authority);
    for (const old of keys) {
      expect(replicaState(replica, old.secret)).toBe("deprecated");
      expect(replicaState(replica, secretOf.get(old.id)?.secret as string)).toBe("active");
    }
    // The audit record carries the actor, the step-up method and the justification.
    const audit = await h.authority.audit.list({ action: "campaign.executed", limit: 10 });
    expect(audit.items).toHaveLength(1);
    expect(audit.items[0]).toMatchObject({
      actor: h.system.id,
      targetId: id,
      reason: "rotate everything the leak exposed",
      data: { keys: 5, stepUp: { method: "system", justification: "rotate everything the leak exposed" } },
    });
    // No new secret in plaintext anywhere in storage, and the exports are erased once taken.
    const stored = await everythingStored(h.authority);
    for (const k of secretOf.values()) expect(stored).not.toContain(k.secret);
    const exportsLeft = await h.authority.database.db.selectFrom("campaign_exports").select("jwe").execute();
    expect(exportsLeft.map((e) => e.jwe)).toEqual([null, null]);
  });

  it("narrows the replacements' scopes when the campaign names a narrower set", async () => {
    const { campaign } = await draft({
      scopes: ["orders:read"],
      exportRecipients: { "team-a": teamA.publicJwk, "team-b": teamB.publicJwk },
    });
    await h.authority.campaigns.execute(campaign.id, {}, h.system);
    const payload = await teamA.decrypt((await h.authority.campaigns.takeExport(campaign.id, "team-a", h.system)).jwe);
    for (const k of payload.keys) expect((await h.authority.keys.get(k.keyId)).scopes).toEqual(["orders:read"]);
  });

  it("tracks the safe-to-retire signal and refuses to finalize while old keys are in use", async () => {
    const { id, secretOf } = await executed();
    let status = await h.authority.campaigns.status(id);
    expect(status.progress).toMatchObject({ total: 5, replacementUsed: 0, oldInUse: 0, safeToRetire: 5 });

    // Three consumers move to their replacement; one of them keeps using its old key too.
    h.clock.advance(MINUTE);
    for (const old of keys.slice(0, 3)) h.authority.usage.record(secretOf.get(old.id)?.keyId as string);
    h.authority.usage.record(keys[0]?.id as string);
    // Another consumer still uses only its old key.
    h.authority.usage.record(keys[3]?.id as string);
    status = await h.authority.campaigns.status(id);
    expect(status.progress).toMatchObject({
      total: 5,
      replacementUsed: 3,
      oldUsedSinceExecute: 2,
      oldInUse: 2,
      safeToRetire: 3,
    });
    const page = await h.authority.campaigns.keyProgress(id, { filter: "in_use" });
    expect(page.items.map((k) => k.oldKeyId).sort()).toEqual([keys[0]?.id, keys[3]?.id].sort());
    expect(page.items.find((k) => k.oldKeyId === keys[0]?.id)).toMatchObject({
      replacementUsed: true,
      oldInUse: true,
      safeToRetire: false,
    });

    const before = await counts();
    const refused = await rejects(
      h.authority.campaigns.finalize(id, { stepUp: { otp: "000000", justification: "done" } }, h.system),
    );
    expect(refused.code).toBe("keys_in_use");
    expect(refused.details).toMatchObject({ inUse: 2 });
    expect(await counts()).toEqual(before);
    expect((await h.authority.campaigns.status(id)).campaign.status).toBe("executed");
    expect((await h.authority.keys.get(keys[3]?.id as string)).state).toBe("deprecated");

    // Once the old keys have been quiet for the whole in-use window, finalize revokes them all.
    h.clock.advance(16 * MINUTE);
    const done = await h.authority.campaigns.finalize(
      id,
      { stepUp: { otp: "000000", justification: "all consumers moved" } },
      h.system,
    );
    expect(done).toMatchObject({ revoked: 5, campaign: { status: "finalized", forced: false } });
    for (const old of keys) expect((await h.authority.keys.get(old.id)).state).toBe("revoked");
    for (const k of secretOf.values()) expect((await h.authority.keys.get(k.keyId)).state).toBe("active");
    const replica = await replicaFromChangeLog(h.authority);
    for (const old of keys) expect(replicaState(replica, old.secret)).toBe("absent");
    for (const k of secretOf.values()) expect(replicaState(replica, k.secret)).toBe("active");
    expect((await h.authority.campaigns.status(id)).progress).toMatchObject({ oldRevoked: 5 });

    // Finalize twice, rollback after finalize: a clear 409, nothing changes.
    const settled = await counts();
    const twice = await rejects(
      h.authority.campaigns.finalize(id, { stepUp: { otp: "000000", justification: "again" } }, h.system),
    );
    expect(twice.code).toBe("campaign_state");
    expect(twice.details).toEqual({ status: "finalized" });
    const late = await rejects(h.authority.campaigns.rollback(id, { reason: "oops" }, h.system));
    expect(late.code).toBe("campaign_state");
    expect(await counts()).toEqual(settled);
  });

  it("finalizes while old keys are in use only when forced, and records the force and justification", async () => {
    const { id } = await executed();
    h.authority.usage.record(keys[1]?.id as string);
    const forced = await h.authority.campaigns.finalize(
      id,
      { force: true, stepUp: { otp: "000000", justification: "attacker is using the old key" } },
      h.system,
    );
    expect(forced).toMatchObject({ revoked: 5, campaign: { forced: true } });
    const audit = (await h.authority.audit.list({ action: "campaign.finalized", limit: 10 })).items[0];
    expect(audit).toMatchObject({
      reason: "attacker is using the old key",
      data: { forced: true, oldInUse: 1, stepUp: { method: "system", justification: "attacker is using the old key" } },
    });
  });

  it("rolls back after the replacements were partly used: refused unless forced, then old keys restored", async () => {
    const originalExpiry = new Map<string, string | null>();
    for (const old of keys) originalExpiry.set(old.id, (await h.authority.keys.get(old.id)).expiresAt);
    const { id, secretOf } = await executed();
    h.clock.advance(MINUTE);
    // Two consumers already moved to their replacements.
    h.authority.usage.record(secretOf.get(keys[0]?.id as string)?.keyId as string);
    h.authority.usage.record(secretOf.get(keys[4]?.id as string)?.keyId as string);

    const before = await counts();
    const refused = await rejects(
      h.authority.campaigns.rollback(id, { reason: "replacements broke billing" }, h.system),
    );
    expect(refused.code).toBe("keys_in_use");
    expect(refused.details).toEqual({ inUse: 2 });
    expect(await counts()).toEqual(before);

    const rolled = await h.authority.campaigns.rollback(
      id,
      { reason: "replacements broke billing", force: true },
      h.system,
    );
    expect(rolled).toMatchObject({ restored: 5, revoked: 5, campaign: { status: "rolled_back", forced: true } });
    for (const old of keys) {
      const view = await h.authority.keys.get(old.id);
      expect(view).toMatchObject({ state: "active", replacedBy: null, graceUntil: null });
      expect(view.expiresAt).toBe(originalExpiry.get(old.id));
    }
    for (const k of secretOf.values()) expect((await h.authority.keys.get(k.keyId)).state).toBe("revoked");
    const replica = await replicaFromChangeLog(h.authority);
    for (const old of keys) expect(replicaState(replica, old.secret)).toBe("active");
    for (const k of secretOf.values()) expect(replicaState(replica, k.secret)).toBe("absent");

    const again = await rejects(h.authority.campaigns.rollback(id, { reason: "again" }, h.system));
    expect(again.code).toBe("campaign_state");
    const finalizeAfter = await rejects(
      h.authority.campaigns.finalize(id, { stepUp: { otp: "000000", justification: "x" } }, h.system),
    );
    expect(finalizeAfter.code).toBe("campaign_state");
  });

  it("keeps an old key revoked meanwhile revoked on rollback", async () => {
    const { id } = await executed();
    await h.authority.lifecycle.revoke(keys[2]?.id as string, "confirmed compromised", h.system);
    const rolled = await h.authority.campaigns.rollback(id, { reason: "undo" }, h.system);
    expect(rolled).toMatchObject({ restored: 4, revoked: 5 });
    expect((await h.authority.keys.get(keys[2]?.id as string)).state).toBe("revoked");
  });

  it("finalize keeps an old key whose rotation an operator rolled back by hand", async () => {
    const { id, secretOf } = await executed();
    const kept = keys[1]?.id as string;
    await h.authority.lifecycle.rollback(kept, h.system, "this consumer cannot move yet");
    h.authority.usage.record(kept);
    expect((await h.authority.campaigns.status(id)).progress).toMatchObject({ oldInUse: 0 });
    const done = await h.authority.campaigns.finalize(
      id,
      { stepUp: { otp: "000000", justification: "retire the rest" } },
      h.system,
    );
    expect(done.revoked).toBe(4);
    expect((await h.authority.keys.get(kept)).state).toBe("active");
    expect((await h.authority.keys.get(secretOf.get(kept)?.keyId as string)).state).toBe("revoked");
  });

  it("erases untaken export files on rollback and refuses them after", async () => {
    const { campaign } = await draft({ exportRecipients: { "team-a": teamA.publicJwk, "team-b": teamB.publicJwk } });
    await h.authority.campaigns.execute(campaign.id, {}, h.system);
    await h.authority.campaigns.rollback(campaign.id, { reason: "undo" }, h.system);
    const stored = await h.authority.database.db.selectFrom("campaign_exports").select("jwe").execute();
    expect(stored.map((e) => e.jwe)).toEqual([null, null]);
    const refused = await rejects(h.authority.campaigns.takeExport(campaign.id, "team-a", h.system));
    expect(refused.code).toBe("campaign_state");
  });

  it("refuses a rollback once the grace window has closed", async () => {
    const { id } = await executed();
    h.clock.advance(24 * HOUR);
    const closed = await rejects(h.authority.campaigns.rollback(id, { reason: "too late" }, h.system));
    expect(closed.code).toBe("rotation_not_open");
    expect((await h.authority.campaigns.status(id)).campaign.status).toBe("executed");
  });

  it("hands each export out once", async () => {
    const { campaign } = await draft({ exportRecipients: { "team-a": teamA.publicJwk, "team-b": teamB.publicJwk } });
    await h.authority.campaigns.execute(campaign.id, {}, h.system);
    const first = await h.authority.campaigns.takeExport(campaign.id, "team-b", h.system);
    const payload = await teamB.decrypt(first.jwe);
    expect(payload).toMatchObject({ campaignId: campaign.id, owner: "team-b" });
    expect(payload.keys.map((k) => k.replaces).sort()).toEqual([keys[3]?.id, keys[4]?.id].sort());
    // The other owner's key cannot open it.
    await expect(teamA.decrypt(first.jwe)).rejects.toThrow();
    const second = await rejects(h.authority.campaigns.takeExport(campaign.id, "team-b", h.system));
    expect(second.code).toBe("export_consumed");
    const unknown = await rejects(h.authority.campaigns.takeExport(campaign.id, "team-z", h.system));
    expect(unknown.code).toBe("not_found");
    const taken = await h.authority.audit.list({ action: "campaign.export_taken", limit: 10 });
    expect(taken.items).toHaveLength(1);
    expect(JSON.stringify(taken.items)).not.toContain(first.jwe);
  });

  it("refuses an empty selection and bad selectors, writing nothing", async () => {
    const before = await counts();
    const empty = await rejects(
      h.authority.campaigns.create({ selector: { owner: "nobody" }, description: "x" }, h.system),
    );
    expect(empty.code).toBe("campaign_empty");
    const none = await rejects(h.authority.campaigns.create({ selector: {}, description: "x" }, h.system));
    expect(none.code).toBe("selector_empty");
    const mixed = await rejects(
      h.authority.campaigns.create({ selector: { all: true, owner: "team-a" }, description: "x" }, h.system),
    );
    expect(mixed.code).toBe("validation_failed");
    const window = await rejects(
      h.authority.campaigns.create(
        { selector: { createdAfter: 2000, createdBefore: 1000 }, description: "x" },
        h.system,
      ),
    );
    expect(window.code).toBe("validation_failed");
    const grace = await rejects(draft({ graceMs: 365 * 24 * HOUR }));
    expect(grace.code).toBe("expiry_exceeds_policy");
    const privateKey = await rejects(draft({ exportRecipients: { "team-a": { ...teamA.publicJwk, d: "AAAA" } } }));
    expect(privateKey.code).toBe("validation_failed");
    expect(privateKey.message).toContain("private key");
    const wrongCurve = await rejects(
      draft({ exportRecipients: { "team-a": { kty: "OKP", crv: "Ed25519", x: "AAAA" } } }),
    );
    expect(wrongCurve.code).toBe("validation_failed");
    const notFound = await rejects(h.authority.campaigns.status("cmp_doesnotexist"));
    expect(notFound.code).toBe("not_found");
    expect(await counts()).toEqual(before);
  });

  it("gives each replacement the lifetime its scopes and principal kind allow", async () => {
    const policed = await createHarness(kind, {
      lifetimePolicies: parseLifetimePolicies('[{"scope":"orders:write","maxTtl":"7d","defaultTtl":"1d"}]'),
    });
    try {
      const owner = await recipient();
      const pid = await policed.principal({ owner: "team-p", scopes: ["orders:read", "orders:write"] });
      const writer = await policed.authority.keys.issue(
        { principalId: pid, scopes: ["orders:read", "orders:write"] },
        policed.system,
      );
      const reader = await policed.authority.keys.issue({ principalId: pid, scopes: ["orders:read"] }, policed.system);
      const { campaign } = await policed.authority.campaigns.create(
        { selector: { owner: "team-p" }, description: "policy", exportRecipients: { "team-p": owner.publicJwk } },
        policed.system,
      );
      await policed.authority.campaigns.execute(campaign.id, {}, policed.system);
      const expiry = async (oldId: string) => {
        const replacement = (await policed.authority.keys.get(oldId)).replacedBy as string;
        return Date.parse((await policed.authority.keys.get(replacement)).expiresAt as string) - policed.clock.now();
      };
      expect(await expiry(writer.key.id)).toBe(86_400_000);
      expect(await expiry(reader.key.id)).toBe(90 * 86_400_000);
    } finally {
      await policed.close();
    }
  });

  it("lists campaigns newest first, paged", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await draft()).campaign.id);
      h.clock.advance(1000);
    }
    const first = await h.authority.campaigns.list({ limit: 2 });
    expect(first.items.map((c) => c.id)).toEqual([ids[2], ids[1]]);
    const second = await h.authority.campaigns.list({ limit: 2, cursor: first.nextCursor as string });
    expect(second.items.map((c) => c.id)).toEqual([ids[0]]);
    expect(second.nextCursor).toBeNull();
    expect((await h.authority.campaigns.list({ status: "executed" })).items).toEqual([]);
    expect((await rejects(h.authority.campaigns.list({ cursor: "garbage" }))).code).toBe("validation_failed");
  });

  it("selects every active key with all: true", async () => {
    const { selected } = await h.authority.campaigns.create(
      { selector: { all: true }, description: "rotate the world" },
      h.system,
    );
    expect(selected).toBe(6);
  });

  it("refuses to execute when an owner has no channel for its new secrets, doing nothing", async () => {
    const { campaign } = await draft({ exportRecipients: { "team-a": teamA.publicJwk } });
    const before = await counts();
    const refused = await rejects(h.authority.campaigns.execute(campaign.id, {}, h.system));
    expect(refused.code).toBe("no_distribution_channel");
    expect(refused.details).toEqual({ owners: ["team-b"] });
    expect(await counts()).toEqual(before);
    for (const old of keys) expect((await h.authority.keys.get(old.id)).state).toBe("active");
    expect((await h.authority.campaigns.status(campaign.id)).campaign.status).toBe("draft");
    // Supplying the missing recipient at execution works.
    const done = await h.authority.campaigns.execute(
      campaign.id,
      { exportRecipients: { "team-b": teamB.publicJwk } },
      h.system,
    );
    expect(done.campaign.keys).toBe(5);
    const twice = await rejects(h.authority.campaigns.execute(campaign.id, {}, h.system));
    expect(twice.code).toBe("campaign_state");
  });

  it("refuses to execute a campaign whose selection emptied since it was created", async () => {
    const { campaign } = await draft({ exportRecipients: { "team-a": teamA.publicJwk, "team-b": teamB.publicJwk } });
    await h.authority.lifecycle.revokeBySelector({ scope: "orders:read" }, "revoked by hand", h.system);
    const before = await counts();
    const refused = await rejects(h.authority.campaigns.execute(campaign.id, {}, h.system));
    expect(refused.code).toBe("campaign_empty");
    expect(await counts()).toEqual(before);
    expect((await h.authority.campaigns.status(campaign.id)).campaign.status).toBe("draft");
  });
});
