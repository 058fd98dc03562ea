import { generateKeyPairSync, sign } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SignatureCache } from "../src/jwt.js";
import { Replica } from "../src/replica.js";
import { type LocalVerifyContext, verifyLocally } from "../src/verify.js";
import { fakeKey, ISSUER, signingKey, wire } from "./fake-authority.js";

function context(replica = new Replica()): LocalVerifyContext {
  return { replica, cache: new SignatureCache(100), issuer: ISSUER, prefixes: undefined, clockToleranceSeconds: 0 };
}

describe("local verification of API keys", () => {
  it("accepts a live key with the scopes and audience asked for, and says why otherwise", () => {
    const ctx = context();
    const key = fakeKey({ scopes: ["orders:read", "orders:write"], audience: "orders-api" });
    const expired = fakeKey({ expiresAt: Date.now() - 1 });
    const deprecated = fakeKey({ deprecated: true });
    for (const k of [key, expired, deprecated]) ctx.replica.addKey(wire(k));
    const now = Date.now();
    expect(verifyLocally(key.secret, { scopes: ["orders:read"], audience: "orders-api" }, ctx, now)).toEqual({
      ok: true,
      principalId: "prn_1",
      scopes: ["orders:read", "orders:write"],
      keyId: key.id,
      kind: "api_key",
      audience: "orders-api",
      expiresAt: key.expiresAt,
    });
    expect(verifyLocally(key.secret, { scopes: ["billing:read"] }, ctx, now)).toEqual({
      ok: false,
      reason: "scope_insufficient",
    });
    expect(verifyLocally(key.secret, { audience: "billing-api" }, ctx, now)).toEqual({
      ok: false,
      reason: "audience_mismatch",
    });
    expect(verifyLocally(expired.secret, {}, ctx, now)).toEqual({ ok: false, reason: "expired" });
    expect(verifyLocally(deprecated.secret, {}, ctx, now)).toMatchObject({ ok: true, deprecated: true });
    expect(verifyLocally(fakeKey().secret, {}, ctx, now)).toEqual({ ok: false, reason: "unknown" });
    ctx.replica.revokeKeys([key.id]);
    expect(verifyLocally(key.secret, {}, ctx, now)).toEqual({ ok: false, reason: "revoked" });
  });

  it("revokes by ranges of key ordinals per principal, by id list, and every key of a disabled principal", () => {
    const ctx = context();
    // prn_a's keys with ordinals 1..6 (made in order), prn_b's interleaved.
    const a = Array.from({ length: 6 }, (_, i) =>
      fakeKey({ principalId: "prn_a", ordinal: 101 + i, deprecated: i === 1 }),
    );
    const b = [fakeKey({ principalId: "prn_b", ordinal: 102 }), fakeKey({ principalId: "prn_b", ordinal: 150 })];
    for (const k of [...a, ...b]) ctx.replica.apply("key.issued", { key: wire(k) });
    const now = Date.now();
    const ok = (keys: Array<{ secret: string }>) => keys.map((k) => verifyLocally(k.secret, {}, ctx, now).ok);
    // prn_a's 101-102 and 104-110 (103 survives); the range names only prn_a's keys.
    ctx.replica.apply("key.revoked", { runs: { prn_a: [101, 102, 104, 110] }, count: 5, reason: "r", cause: "c" });
    expect(ok(a)).toEqual([false, false, true, false, false, false]);
    expect(verifyLocally(a[0]?.secret as string, {}, ctx, now)).toEqual({ ok: false, reason: "revoked" });
    expect(ok(b)).toEqual([true, true]);
    // Principals this replica never saw are a no-op.
    expect(() => ctx.replica.apply("key.revoked", { runs: { prn_none: [1, 5] }, count: 0 })).not.toThrow();
    expect(ok(b)).toEqual([true, true]);
    // Ids as one space-separated list (large key-by-key revocations on the feed).
    const listed = [fakeKey(), fakeKey(), fakeKey()];
    for (const k of listed) ctx.replica.apply("key.issued", { key: wire(k) });
    ctx.replica.apply("key.revoked", { idList: `${listed[0]?.id} ${listed[2]?.id} key_unknown`, count: 3 });
    expect(ok(listed)).toEqual([false, true, false]);
    // A disabled principal loses every key it still has here.
    ctx.replica.apply("principal.disabled", { principalId: "prn_a", revokedKeyCount: 1 });
    expect(ok(a)).toEqual([false, false, false, false, false, false]);
    expect(ok(b)).toEqual([true, true]);
  });

  it("re-syncs on ranges it cannot trust, before changing anything", () => {
    const ctx = context();
    const k = fakeKey({ principalId: "prn_a", ordinal: 5 });
    ctx.replica.apply("key.issued", { key: wire(k) });
    for (const runs of [
      "prn_a",
      [1, 9],
      { prn_a: [1] },
      { prn_a: [] },
      { prn_a: [9, 1] },
      { prn_a: [1, 5, 5, 9] },
      { prn_a: [1, 9], prn_b: ["x", 4] },
      { prn_a: [1.5, 9] },
    ]) {
      expect(() => ctx.replica.apply("key.revoked", { runs, count: 1 }), JSON.stringify(runs)).toThrow();
      expect(verifyLocally(k.secret, {}, ctx, Date.now()).ok, JSON.stringify(runs)).toBe(true);
    }
    // A key record or a snapshot chunk without ordinals is not applied either.
    const { ordinal: _, ...withoutOrdinal } = wire(fakeKey());
    expect(() => ctx.replica.apply("key.issued", { key: withoutOrdinal })).toThrow(/ordinal/);
    // And a revocation in no form this verifier knows.
    expect(() => ctx.replica.apply("key.revoked", { principalIds: ["prn_a"] })).toThrow();
  });

  it("revokes by a bitmap of key ordinals, and re-syncs on a bitmap it cannot trust", () => {
    const ctx = context();
    // Ordinals 200..209, whatever the principals.
    const keys = Array.from({ length: 10 }, (_, i) =>
      fakeKey({ principalId: i % 2 ? "prn_a" : "prn_b", ordinal: 200 + i }),
    );
    for (const k of keys) ctx.replica.apply("key.issued", { key: wire(k) });
    const now = Date.now();
    const ok = () => keys.map((k) => verifyLocally(k.secret, {}, ctx, now).ok);
    for (const ordinalBitmap of [
      "AQ==",
      { from: 201 },
      { from: "201", bits: "AQ==" },
      { from: 201.5, bits: "AQ==" },
      { from: 201, bits: "A Q==" },
      { from: 201, bits: "AQ=" },
      { from: 201, bits: "A*==" },
    ]) {
      expect(
        () => ctx.replica.apply("key.revoked", { ordinalBitmap, count: 1 }),
        JSON.stringify(ordinalBitmap),
      ).toThrow();
    }
    expect(ok().every(Boolean)).toBe(true);
    // Bits from 202: 0b00100101 (202, 204, 207) and 0b00000001 (210, which no key has).
    const bits = Buffer.from([0b00100101, 0b00000001]).toString("base64");
    ctx.replica.apply("key.revoked", { ordinalBitmap: { from: 202, bits }, count: 3, reason: "r", cause: "c" });
    expect(ok()).toEqual([true, true, false, true, false, true, true, false, true, true]);
    expect(verifyLocally(keys[2]?.secret as string, {}, ctx, now)).toEqual({ ok: false, reason: "revoked" });
  });

  it("revokes by the scope a selector matched, of one principal or of all, and re-syncs on a malformed one", () => {
    const ctx = context();
    const keys = [
      fakeKey({ principalId: "prn_a", scopes: ["orders:write", "orders:read"] }),
      fakeKey({ principalId: "prn_a", scopes: ["orders:read"] }),
      fakeKey({ principalId: "prn_b", scopes: ["orders:write"] }),
      fakeKey({ principalId: "prn_b", scopes: ["billing:write"] }),
      fakeKey({ principalId: "prn_c", scopes: ["orders:write"] }),
    ];
    for (const k of keys) ctx.replica.apply("key.issued", { key: wire(k) });
    const now = Date.now();
    const ok = () => keys.map((k) => verifyLocally(k.secret, {}, ctx, now).ok);
    for (const scopeMatch of ["orders:write", { principalId: "prn_a" }, { scope: 7 }, { scope: "x", principalId: 1 }]) {
      expect(() => ctx.replica.apply("key.revoked", { scopeMatch, count: 1 }), JSON.stringify(scopeMatch)).toThrow();
    }
    expect(ok().every(Boolean)).toBe(true);
    // Unknown principal: nothing here.
    ctx.replica.apply("key.revoked", { scopeMatch: { scope: "orders:write", principalId: "prn_none" }, count: 0 });
    expect(ok().every(Boolean)).toBe(true);
    ctx.replica.apply("key.revoked", { scopeMatch: { scope: "orders:write", principalId: "prn_a" }, count: 1 });
    expect(ok()).toEqual([false, true, true, true, true]);
    // A scope held as a prefix of another ("orders:wr") matches nothing: whole scopes only.
    ctx.replica.apply("key.revoked", { scopeMatch: { scope: "orders:wr" }, count: 0 });
    expect(ok()).toEqual([false, true, true, true, true]);
    ctx.replica.apply("key.revoked", { scopeMatch: { scope: "orders:write" }, count: 2 });
    expect(ok()).toEqual([false, true, false, true, false]);
    expect(verifyLocally(keys[2]?.secret as string, {}, ctx, now)).toEqual({ ok: false, reason: "revoked" });
  });

  it("revokes the ordinals listed as deltas, and re-syncs on a list it cannot trust", () => {
    const ctx = context();
    const keys = Array.from({ length: 6 }, (_, i) => fakeKey({ ordinal: 1000 + i * 50 }));
    for (const k of keys) ctx.replica.apply("key.issued", { key: wire(k) });
    const now = Date.now();
    const ok = () => keys.map((k) => verifyLocally(k.secret, {}, ctx, now).ok);
    for (const ordinalDeltas of ["1000,50", [], [1000, 0], [1000, -50], [1000, 1.5], [0], [1000, "50"]]) {
      expect(
        () => ctx.replica.apply("key.revoked", { ordinalDeltas, count: 1 }),
        JSON.stringify(ordinalDeltas),
      ).toThrow();
    }
    expect(ok().every(Boolean)).toBe(true);
    // 1050, 1150, 1151 (no key), 1250.
    ctx.replica.apply("key.revoked", { ordinalDeltas: [1050, 100, 1, 99], count: 3, reason: "r", cause: "c" });
    expect(ok()).toEqual([true, false, true, false, true, false]);
  });

  it("applies key.updated and key.deprecated: narrowed scopes and a shorter expiry take effect", () => {
    const ctx = context();
    const key = fakeKey({ scopes: ["orders:read", "orders:write"] });
    ctx.replica.apply("key.issued", { key: wire(key) });
    const now = Date.now();
    expect(verifyLocally(key.secret, { scopes: ["orders:write"] }, ctx, now).ok).toBe(true);
    ctx.replica.apply("key.updated", { key: { ...wire(key), scopes: ["orders:read"] }, reason: "narrowed" });
    expect(verifyLocally(key.secret, { scopes: ["orders:write"] }, ctx, now)).toEqual({
      ok: false,
      reason: "scope_insufficient",
    });
    ctx.replica.apply("key.deprecated", {
      key: { ...wire(key), deprecated: true, expiresAt: now + 10 },
      reason: "leak",
    });
    expect(verifyLocally(key.secret, {}, ctx, now)).toMatchObject({ ok: true, deprecated: true });
    expect(verifyLocally(key.secret, {}, ctx, now + 10)).toEqual({ ok: false, reason: "expired" });
  });

  it("never throws on garbage and calls it malformed", () => {
    const ctx = context();
    const key = fakeKey();
    ctx.replica.addKey(wire(key));
    const garbage: unknown[] = [
      "",
      "x".repeat(10_000_000),
      "\u0000\u0001\u0002binary\uffff",
      `${key.secret.slice(0, -1)}${key.secret.endsWith("a") ? "b" : "a"}`,
      `xyz_${key.secret.slice(4)}`,
      "a.b.c",
      "..",
      "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
      null,
      undefined,
      42,
      {},
      [],
      Symbol("s"),
    ];
    for (const input of garbage) {
      const result = verifyLocally(input, { scopes: ["orders:read"] }, ctx, Date.now());
      expect(result.ok).toBe(false);
      expect(["malformed", "unknown"]).toContain((result as { reason: string }).reason);
    }
  });
});

describe("local verification of JWT access tokens", () => {
  function setup() {
    const ctx = context();
    const signer = signingKey();
    ctx.replica.publishSigningKey({ kid: signer.kid, jwk: signer.jwk, notBefore: 0 });
    return { ctx, signer };
  }

  it("accepts a valid token and checks audience and scopes on every call", () => {
    const { ctx, signer } = setup();
    const token = signer.mint();
    const now = Date.now();
    expect(verifyLocally(token, { scopes: ["orders:read"], audience: "orders-api" }, ctx, now)).toMatchObject({
      ok: true,
      principalId: "prn_jwt",
      kind: "access_token",
      clientId: "app_1",
      scopes: ["orders:read", "orders:write"],
    });
    expect(ctx.cache.size).toBe(1);
    expect(verifyLocally(token, { audience: "billing-api" }, ctx, now)).toEqual({
      ok: false,
      reason: "audience_mismatch",
    });
    expect(verifyLocally(token, { scopes: ["billing:read"] }, ctx, now)).toEqual({
      ok: false,
      reason: "scope_insufficient",
    });
  });

  it("rejects expired, not-yet-valid, foreign-issuer and wrongly typed tokens", () => {
    const { ctx, signer } = setup();
    const now = Math.floor(Date.now() / 1000);
    const at = Date.now();
    expect(verifyLocally(signer.mint({ exp: now - 1 }), {}, ctx, at)).toEqual({ ok: false, reason: "expired" });
    expect(verifyLocally(signer.mint({ nbf: now + 60 }), {}, ctx, at)).toEqual({ ok: false, reason: "not_yet_valid" });
    expect(verifyLocally(signer.mint({ iss: "https://evil" }), {}, ctx, at)).toEqual({
      ok: false,
      reason: "issuer_mismatch",
    });
    expect(verifyLocally(signer.mint({}, { typ: "JWT" }), {}, ctx, at)).toEqual({ ok: false, reason: "malformed" });
    expect(verifyLocally(signer.mint({}, { alg: "none" }), {}, ctx, at)).toEqual({ ok: false, reason: "malformed" });
    expect(verifyLocally(signer.mint({}, { alg: "HS256" }), {}, ctx, at)).toEqual({ ok: false, reason: "malformed" });
    expect(verifyLocally(signer.mint({}, { kid: "other" }), {}, ctx, at)).toEqual({ ok: false, reason: "unknown" });
  });

  it("rejects a forged signature and a token signed by a key the feed never delivered", () => {
    const { ctx, signer } = setup();
    const token = signer.mint();
    const [h, p] = token.split(".") as [string, string];
    const other = generateKeyPairSync("ed25519").privateKey;
    const forged = `${h}.${p}.${sign(null, Buffer.from(`${h}.${p}`), other).toString("base64url")}`;
    expect(verifyLocally(forged, {}, ctx, Date.now())).toEqual({ ok: false, reason: "bad_signature" });
    const tampered = `${h}.${Buffer.from(JSON.stringify({ sub: "prn_admin" })).toString("base64url")}.${token.split(".")[2]}`;
    expect(verifyLocally(tampered, {}, ctx, Date.now())).toEqual({ ok: false, reason: "bad_signature" });
    const foreign = signingKey("sig_foreign").mint({}, { kid: signer.kid });
    expect(verifyLocally(foreign, {}, ctx, Date.now())).toEqual({ ok: false, reason: "bad_signature" });
  });

  it("revokes by jti, grant family, principal cutoff and emergency key retirement, even after caching", () => {
    const { ctx, signer } = setup();
    const now = Math.floor(Date.now() / 1000);
    const byJti = signer.mint({ jti: "j1", gid: "g1" });
    const byFamily = signer.mint({ jti: "j2", gid: "g2" });
    const byCutoff = signer.mint({ jti: "j3", gid: "g3", sub: "prn_cut", iat: now - 10 });
    const afterCutoff = signer.mint({ jti: "j4", gid: "g4", sub: "prn_cut", iat: now });
    for (const t of [byJti, byFamily, byCutoff, afterCutoff])
      expect(verifyLocally(t, {}, ctx, Date.now()).ok).toBe(true);
    ctx.replica.apply("access_token.revoked", { jti: "j1", exp: now + 300, principalId: "prn_jwt", familyId: "g1" });
    ctx.replica.apply("grant_family.revoked", { familyId: "g2", exp: now + 300 });
    ctx.replica.apply("principal.cutoff", { principalId: "prn_cut", before: now - 5 });
    expect(verifyLocally(byJti, {}, ctx, Date.now())).toEqual({ ok: false, reason: "revoked" });
    expect(verifyLocally(byFamily, {}, ctx, Date.now())).toEqual({ ok: false, reason: "revoked" });
    expect(verifyLocally(byCutoff, {}, ctx, Date.now())).toEqual({ ok: false, reason: "revoked" });
    expect(verifyLocally(afterCutoff, {}, ctx, Date.now()).ok).toBe(true);
    ctx.replica.apply("signing_key.retired", { kid: signer.kid, emergency: false, at: Date.now() });
    expect(verifyLocally(afterCutoff, {}, ctx, Date.now()).ok).toBe(true);
    ctx.replica.apply("signing_key.retired", { kid: signer.kid, emergency: true, at: Date.now() });
    expect(verifyLocally(afterCutoff, {}, ctx, Date.now())).toEqual({ ok: false, reason: "revoked" });
  });

  it("refuses a private key in the feed and malformed change events", () => {
    const replica = new Replica();
    const { privateKey } = generateKeyPairSync("ed25519");
    expect(() =>
      replica.publishSigningKey({ kid: "k", jwk: privateKey.export({ format: "jwk" }), notBefore: 0 }),
    ).toThrow(/public/);
    expect(() => replica.apply("key.revoked", { ids: "key_1" })).toThrow();
    expect(() => replica.apply("key.issued", { key: { id: 1 } })).toThrow();
    expect(() => replica.apply("something.new", {})).not.toThrow();
  });

  it("bounds the signature cache", () => {
    const { ctx, signer } = setup();
    const small = { ...ctx, cache: new SignatureCache(3) };
    for (let i = 0; i < 10; i++) expect(verifyLocally(signer.mint(), {}, small, Date.now()).ok).toBe(true);
    expect(small.cache.size).toBe(3);
  });
});
