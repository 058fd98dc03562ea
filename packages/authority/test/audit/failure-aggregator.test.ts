/** The aggregator's bound: past maxSources, failures of new addresses share the `*` source. */
import { describe, expect, it } from "vitest";
import { createFailureAggregator, type FailureSummary, OVERFLOW_SOURCE } from "../../src/audit/failure-aggregator.js";
import { ManualClock } from "../../src/clock.js";

describe("failure aggregator", () => {
  it("tracks at most maxSources addresses; the rest are counted under *", async () => {
    const clock = new ManualClock(0);
    const written: FailureSummary[] = [];
    const aggregator = createFailureAggregator({
      clock,
      windowMs: 1000,
      maxSources: 2,
      writeSummary: async (summary) => {
        written.push(summary);
      },
      onError: (error) => {
        throw error;
      },
    });
    const event = (ip: string) => ({ action: "auth.failed", ip, route: "/v1/keys", reason: "unknown" });
    expect(await aggregator.report(event("a"))).toBe(true);
    expect(await aggregator.report(event("b"))).toBe(true);
    // Past the cap: the first failure under * is recorded, later ones of any new address counted.
    expect(await aggregator.report(event("c"))).toBe(true);
    for (let i = 0; i < 50; i++) expect(await aggregator.report(event(`spray-${i}`))).toBe(false);
    expect(await aggregator.report(event("a"))).toBe(false);
    expect(aggregator.size).toBe(3);
    clock.advance(1000);
    await aggregator.flushDue();
    expect(aggregator.size).toBe(0);
    expect(written.map((s) => [s.ip, s.count])).toEqual([
      ["a", 1],
      [OVERFLOW_SOURCE, 50],
    ]);
  });

  it("a write that fails is reported and the window is still dropped", async () => {
    const errors: unknown[] = [];
    const aggregator = createFailureAggregator({
      clock: new ManualClock(0),
      windowMs: 1000,
      maxSources: 10,
      writeSummary: async () => {
        throw new Error("database down");
      },
      onError: (error) => errors.push(error),
    });
    const event = { action: "auth.failed", ip: "a", route: "/v1/keys", reason: "unknown" };
    await aggregator.report(event);
    await aggregator.report(event);
    await aggregator.stop();
    expect(errors).toHaveLength(1);
    expect(aggregator.size).toBe(0);
  });
});
