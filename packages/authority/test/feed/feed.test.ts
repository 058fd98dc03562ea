import { afterEach, beforeEach, expect, it } from "vitest";
import { describeEachStore } from "../stores.js";
import { createFeedFixture, eventually, type FeedFixture } from "./fixture.js";

describeEachStore("change feed and receipts", (kind) => {
  let f: FeedFixture;
  beforeEach(async () => {
    f = await createFeedFixture(kind);
  });
  afterEach(async () => {
    await f.close();
  });

  it("loads a snapshot of live keys and verifies them locally", async () => {
    const live = await f.key(["orders:read", "orders:write"]);
    const revoked = await f.key();
    await f.running.authority.lifecycle.revoke(revoked.id, "test", f.system);
    const verifier = await f.verifier();
    expect(verifier.verify(live.secret, { scopes: ["orders:read"] })).toMatchObject({
      ok: true,
      keyId: live.id,
      principalId: live.principalId,
      kind: "api_key",
    });
    expect(verifier.verify(live.secret, { scopes: ["billing:read"] })).toEqual({
      ok: false,
      reason: "scope_insufficient",
    });
    expect(verifier.verify(revoked.secret)).toEqual({ ok: false, reason: "unknown" });
    expect(verifier.verify("tsk_garbage")).toEqual({ ok: false, reason: "malformed" });
  });

  it("applies issuance and revocation as they happen, and the receipt counts the verifier", async () => {
    const verifier = await f.verifier();
    const issued = await f.key();
    await eventually(() => verifier.verify(issued.secret).ok);
    const answer = await f.request<{
      receipt: {
        verifiers: { confirmed: number; total: number };
        complete: boolean;
        pending: string[];
        failClosedDeadline: string;
        revokedAt: string;
        id: string;
      };
    }>("POST", `/v1/keys/${issued.id}/revoke?wait=10s`, { reason: "leaked" });
    expect(answer.status).toBe(200);
    expect(verifier.verify(issued.secret)).toEqual({ ok: false, reason: "revoked" });
    const receipt = answer.body.receipt;
    expect(receipt.verifiers).toEqual({ confirmed: 1, total: 1 });
    expect(receipt.complete).toBe(true);
    expect(receipt.pending).toEqual([]);
    expect(Date.parse(receipt.failClosedDeadline) - Date.parse(receipt.revokedAt)).toBe(5000);
    const fetched = await f.request<{ id: string; complete: boolean }>("GET", `/v1/receipts/${receipt.id}`);
    expect(fetched.body).toMatchObject({ id: receipt.id, complete: true });
  });

  it("lists connected verifiers with their applied sequence and lag", async () => {
    const verifier = await f.verifier({ name: "checkout-1" });
    await f.key();
    await eventually(async () => {
      const list = await f.request<{ head: number; verifiers: Array<{ name: string; lag: number; id: string }> }>(
        "GET",
        "/v1/verifiers",
      );
      const mine = list.body.verifiers.find((v) => v.id === verifier.instance);
      return mine?.name === "checkout-1" && mine.lag === 0;
    });
  });
});
