/**
 * Suspended keys and canary keys in the replica and at verification: a suspended key is
 * refused as `suspended` (live change or snapshot) and verifies again once resumed; a canary is
 * answered exactly as an unknown key (the very same result object), and only the verifier's
 * `onCanary` learns its id.
 */
import { describe, expect, it } from "vitest";
import { SignatureCache } from "../src/jwt.js";
import { Replica } from "../src/replica.js";
import { type LocalVerifyContext, verifyLocally } from "../src/verify.js";
import type { KeyChunkWire } from "../src/wire.js";
import { type FakeKey, fakeKey, ISSUER, wire } from "./fake-authority.js";

/** Keys of one principal and one scope list as a snapshot chunk, marks included. */
function chunkOf(keys: FakeKey[]): KeyChunkWire {
  return {
    p: ["prn_1"],
    s: [["orders:read"]],
    i: keys.map((k) => k.id).join(" "),
    h: keys.map((k) => k.hash).join(""),
    pi: keys.map(() => 0),
    si: keys.map(() => 0),
    e: keys.map((k) => k.expiresAt ?? 0),
    o: keys.map((k, i) => (i === 0 ? k.ordinal : k.ordinal - (keys[i - 1] as FakeKey).ordinal)),
    u: keys.flatMap((k, i) => (k.suspended ? [i] : [])),
    c: keys.flatMap((k, i) => (k.canary ? [i] : [])),
  };
}

function context(onCanary?: (keyId: string, token: string) => void): LocalVerifyContext {
  return {
    replica: new Replica(),
    cache: new SignatureCache(100),
    issuer: ISSUER,
    prefixes: undefined,
    clockToleranceSeconds: 0,
    onCanary,
  };
}

describe("suspended keys", () => {
  it("are refused as suspended after key.suspended and verify again, unchanged, after key.resumed", () => {
    const ctx = context();
    const key = fakeKey({ scopes: ["orders:read"], deprecated: true });
    const other = fakeKey();
    ctx.replica.apply("key.issued", { key: wire(key) });
    ctx.replica.apply("key.issued", { key: wire(other) });
    const now = Date.now();
    const before = verifyLocally(key.secret, { scopes: ["orders:read"] }, ctx, now);
    expect(before).toMatchObject({ ok: true, deprecated: true });

    ctx.replica.apply("key.suspended", { ids: [key.id], reason: "odd traffic", cause: "key.suspend" });
    expect(verifyLocally(key.secret, { scopes: ["orders:read"] }, ctx, now)).toEqual({
      ok: false,
      reason: "suspended",
    });
    // Suspended wins over a scope or audience mismatch: the key is not usable at all.
    expect(verifyLocally(key.secret, { scopes: ["billing:read"] }, ctx, now)).toEqual({
      ok: false,
      reason: "suspended",
    });
    expect(verifyLocally(other.secret, {}, ctx, now).ok).toBe(true);
    expect(ctx.replica.keyCount).toBe(2);

    ctx.replica.apply("key.resumed", { ids: [key.id], reason: "cleared", cause: "key.resume" });
    expect(verifyLocally(key.secret, { scopes: ["orders:read"] }, ctx, now)).toEqual(before);
  });

  it("stay suspended through a new record of the key (the record carries the state), and a revocation wins", () => {
    const ctx = context();
    const key = fakeKey({ principalId: "prn_s" });
    ctx.replica.apply("key.issued", { key: wire(key) });
    ctx.replica.apply("key.suspended", { ids: [key.id] });
    ctx.replica.apply("key.updated", { key: wire({ ...key, scopes: ["orders:read"], suspended: true }) });
    const now = Date.now();
    expect(verifyLocally(key.secret, {}, ctx, now)).toEqual({ ok: false, reason: "suspended" });
    // A principal-wide revocation takes suspended keys too; resuming a revoked key changes nothing.
    ctx.replica.apply("principal.disabled", { principalId: "prn_s" });
    expect(verifyLocally(key.secret, {}, ctx, now)).toEqual({ ok: false, reason: "revoked" });
    ctx.replica.apply("key.resumed", { ids: [key.id] });
    expect(verifyLocally(key.secret, {}, ctx, now)).toEqual({ ok: false, reason: "revoked" });
  });

  it("come suspended in a snapshot chunk (column u), and a malformed change is refused", () => {
    const ctx = context();
    const suspended = fakeKey({ suspended: true });
    const live = fakeKey();
    ctx.replica.addChunk(chunkOf([live, suspended]));
    const now = Date.now();
    expect(verifyLocally(suspended.secret, {}, ctx, now)).toEqual({ ok: false, reason: "suspended" });
    expect(verifyLocally(live.secret, {}, ctx, now).ok).toBe(true);
    expect(() => ctx.replica.apply("key.suspended", { ids: "key_1" })).toThrow(/ids/);
    expect(() => ctx.replica.apply("key.resumed", { ids: [1] })).toThrow(/strings/);
    // Ids this replica does not hold are no-ops.
    expect(() => ctx.replica.apply("key.suspended", { ids: ["key_absent"] })).not.toThrow();
  });
});

describe("canary keys", () => {
  it("verify exactly as an unknown token does (the same frozen result), whatever is asked, and tell onCanary", () => {
    const seen: Array<[string, string]> = [];
    const ctx = context((keyId, token) => seen.push([keyId, token]));
    const canary = fakeKey({ scopes: [], canary: true });
    ctx.replica.apply("key.issued", { key: wire(canary) });
    const now = Date.now();
    const unknown = verifyLocally(fakeKey().secret, undefined, ctx, now);
    expect(unknown).toEqual({ ok: false, reason: "unknown" });
    for (const options of [undefined, {}, { scopes: ["orders:read"] }, { audience: "x" }]) {
      expect(verifyLocally(canary.secret, options, ctx, now)).toBe(unknown);
    }
    expect(seen).toEqual(Array.from({ length: 4 }, () => [canary.id, canary.secret]));
    // An unknown token tells onCanary nothing.
    verifyLocally(fakeKey().secret, undefined, ctx, now);
    expect(seen.length).toBe(4);
  });

  it("arrive marked in a snapshot chunk (column c); a revoked canary is retired: unknown, not reported", () => {
    const seen: string[] = [];
    const ctx = context((keyId) => seen.push(keyId));
    const canary = fakeKey({ scopes: [], canary: true });
    ctx.replica.addChunk(chunkOf([fakeKey(), canary]));
    const now = Date.now();
    expect(verifyLocally(canary.secret, {}, ctx, now)).toEqual({ ok: false, reason: "unknown" });
    expect(seen).toEqual([canary.id]);
    ctx.replica.apply("key.revoked", { ids: [canary.id] });
    expect(verifyLocally(canary.secret, {}, ctx, now)).toEqual({ ok: false, reason: "unknown" });
    expect(seen).toEqual([canary.id]);
  });
});
