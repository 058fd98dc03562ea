/**
 * The decision's mapping of verifier answers to HTTP, with a stub verifier: in particular a
 * reason this gateway has never heard of (such as `suspended`, coming with issue 13) is a 401.
 */
import type { VerifyResult } from "@tessera/verifier";
import { describe, expect, it } from "vitest";
import { decide } from "../src/decide.js";
import type { RequestFacts } from "../src/request-facts.js";

const facts = (authorization?: string): RequestFacts => ({
  method: "GET",
  uri: "/orders",
  authorization,
  dpop: undefined,
  address: "127.0.0.1",
  userAgent: "",
  origin: "http://localhost",
});

function contextAnswering(result: VerifyResult) {
  return { verifier: { verify: () => result }, realm: "tessera", seenProofs: new Map() };
}

describe("decide", () => {
  it("refuses any credential failure reason, including ones added later, with 401 invalid_token", async () => {
    for (const reason of ["suspended", "revoked", "expired", "unknown", "some_future_reason"]) {
      const ctx = contextAnswering({ ok: false, reason } as unknown as VerifyResult);
      const decision = decide(ctx, { kind: "credential" }, facts("Bearer tsk_x"));
      expect(decision).toMatchObject({
        ok: false,
        outcome: reason,
        status: 401,
        headers: { "www-authenticate": 'Bearer realm="tessera", error="invalid_token"' },
      });
    }
  });

  it("fails closed with 503 and Retry-After while the replica is stale", async () => {
    const decision = decide(
      contextAnswering({ ok: false, reason: "stale" }),
      { kind: "credential" },
      facts("Bearer t"),
    );
    expect(decision).toMatchObject({ ok: false, status: 503, headers: { "retry-after": "1" } });
  });

  it("requires a DPoP proof for a sender-constrained token", async () => {
    const ctx = contextAnswering({
      ok: true,
      principalId: "p",
      scopes: [],
      keyId: "j",
      kind: "access_token",
      jkt: "abc",
    });
    const decision = decide(ctx, { kind: "credential" }, facts("Bearer eyJ.x.y"));
    expect(decision).toMatchObject({
      ok: false,
      status: 401,
      headers: { "www-authenticate": 'DPoP realm="tessera", error="invalid_dpop_proof"' },
    });
  });

  it("rejects malformed Authorization headers as missing, and denies with no rule", async () => {
    const ctx = contextAnswering({ ok: true, principalId: "p", scopes: [], keyId: "k", kind: "api_key" });
    for (const header of ["Basic dXNlcg==", "Bearer", "Bearer a b", "bearer\ttoken"]) {
      expect(decide(ctx, { kind: "credential" }, facts(header))).toMatchObject({
        status: 401,
        outcome: "missing",
      });
    }
    expect(decide(ctx, { kind: "deny" }, facts("Bearer k"))).toMatchObject({ status: 403, outcome: "no_rule" });
    expect(decide(ctx, { kind: "anonymous" }, facts())).toEqual({ ok: true, outcome: "anonymous" });
  });
});
