/**
 * Suspension through the admin API: stable codes and statuses for bad requests, checked before
 * anything changes (a refused request suspends nothing and writes no change).
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { createHttpHarness, type HttpHarness } from "../http-harness.js";
import { describeEachStore } from "../stores.js";

describeEachStore("key suspension over HTTP", (kind) => {
  let h: HttpHarness;
  beforeAll(async () => {
    h = await createHttpHarness(kind);
  });
  afterAll(async () => {
    await h.close();
  });

  const post = (url: string, body: unknown) => h.call("POST", url, { key: h.root.secret, body });
  const suspensions = async () =>
    (await h.authority.database.db.selectFrom("change_log").select("seq").where("type", "=", "key.suspended").execute())
      .length;

  it("answers bad requests with 4xx codes and suspends nothing", async () => {
    const key = await h.key(["orders:read"]);
    const cases: Array<[string, unknown, number, string]> = [
      [`/v1/keys/${key.id}/suspend`, {}, 400, "validation_failed"],
      [`/v1/keys/${key.id}/suspend`, { reason: "" }, 400, "validation_failed"],
      [`/v1/keys/${key.id}/suspend`, { reason: "x", extra: 1 }, 400, "validation_failed"],
      [`/v1/keys/${key.id}/suspend?wait=31s`, { reason: "x" }, 400, "validation_failed"],
      [`/v1/keys/${key.id}/suspend?wait=soon`, { reason: "x" }, 400, "validation_failed"],
      [`/v1/keys/not-a-key/suspend`, { reason: "x" }, 400, "validation_failed"],
      ["/v1/keys/key_missing/suspend", { reason: "x" }, 404, "not_found"],
      [`/v1/keys/${key.id}/resume`, { reason: "x" }, 409, "key_not_suspended"],
      ["/v1/principals/prn_missing/suspend", { reason: "x" }, 404, "not_found"],
      [`/v1/principals/${key.principalId}/resume`, { reason: "x" }, 409, "principal_not_suspended"],
    ];
    for (const [url, body, status, code] of cases) {
      const response = await post(url, body);
      expect(response.statusCode, url).toBe(status);
      expect(response.json().error.code, url).toBe(code);
    }
    expect(await suspensions()).toBe(0);
    expect((await h.authority.keys.get(key.id)).state).toBe("active");
  });

  it("refuses to suspend a revoked key (409 key_not_active naming its state) and suspends a live one with a receipt", async () => {
    const revoked = await h.key(["orders:read"]);
    await h.authority.lifecycle.revoke(revoked.id, "gone", h.system);
    const refused = await post(`/v1/keys/${revoked.id}/suspend`, { reason: "x" });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({ code: "key_not_active", details: { state: "revoked" } });

    const live = await h.key(["orders:read"]);
    const answer = await post(`/v1/keys/${live.id}/suspend`, { reason: "odd traffic" });
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toMatchObject({
      changed: true,
      key: { id: live.id, state: "suspended", suspendedReason: "odd traffic", canary: false },
      receipt: { sequence: answer.json().sequence, complete: true, verifiers: { confirmed: 0, total: 0 } },
    });
    expect(answer.body).not.toContain(live.secret);
    const again = await post(`/v1/keys/${live.id}/suspend`, { reason: "twice" });
    expect(again.json()).toMatchObject({ changed: false, sequence: null, receipt: null });
  });
});
