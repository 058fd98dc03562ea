import { afterEach, beforeEach, expect, it } from "vitest";
import { createHttpHarness, type HttpHarness } from "../http-harness.js";
import { describeEachStore } from "../stores.js";

const DAY = 86_400_000;

describeEachStore("jobs and sweeper over HTTP", (kind) => {
  let h: HttpHarness;
  beforeEach(async () => {
    h = await createHttpHarness(kind, { expiryWarningMs: 7 * DAY });
  });
  afterEach(async () => {
    await h.close();
  });

  it("lists jobs, runs one on demand, and sweeps unused keys with a dry run first", async () => {
    await h.key(["a"], { expiresInMs: 3 * DAY });
    const run = await h.call("POST", "/v1/jobs/expiry-warnings/run");
    expect(run.statusCode).toBe(200);
    // The harness's root key (30 days... the default 90d) and this one: only this one is within 7 days.
    expect(run.json()).toEqual({ name: "expiry-warnings", result: { warned: 1, more: false } });
    const list = await h.call("GET", "/v1/jobs");
    expect(list.json().items.map((j: { name: string }) => j.name)).toEqual([
      "audit-retention",
      "expiry-notices",
      "expiry-warnings",
      "key-retention",
      "unused-sweeper",
      "usage-retention",
    ]);
    expect(list.json().items.find((j: { name: string }) => j.name === "expiry-warnings").lastResult).toEqual({
      warned: 1,
      more: false,
    });

    const forgotten = await h.key(["a"]);
    h.clock.advance(40 * DAY);
    const dry = await h.call("POST", "/v1/keys/sweep-unused", { body: { unusedFor: "30d" } });
    expect(dry.json()).toMatchObject({ dryRun: true, swept: 0 });
    expect(dry.json().ids).toContain(forgotten.id);
    expect((await h.authority.keys.get(forgotten.id)).state).toBe("active");
    await h.authority.usage.flush();
    // The caller's own key was used just now (by the dry run), so only the forgotten key goes.
    const applied = await h.call("POST", "/v1/keys/sweep-unused", { body: { unusedFor: "30d", dryRun: false } });
    expect(applied.json()).toMatchObject({ dryRun: false, swept: 1, ids: [forgotten.id] });
    expect((await h.authority.keys.get(forgotten.id)).state).toBe("expired");
  });

  it("refuses unknown jobs, a sweep with no policy and no duration, and bad durations", async () => {
    expect((await h.call("POST", "/v1/jobs/nope/run")).statusCode).toBe(400);
    const none = await h.call("POST", "/v1/keys/sweep-unused", { body: {} });
    expect(none.statusCode).toBe(400);
    expect(none.json().error.message).toContain("TESSERA_SWEEP_UNUSED_AFTER");
    expect((await h.call("POST", "/v1/keys/sweep-unused", { body: { unusedFor: "5m" } })).statusCode).toBe(400);
    expect((await h.call("POST", "/v1/keys/sweep-unused", { body: { unusedFor: "forever" } })).statusCode).toBe(400);
  });
});
