/**
 * Repeated failed authentications of one address become one audit record per window: the
 * first at once, the rest as one summary with their count (written when the window ends or on
 * shutdown). Every failure is still counted in metrics.
 */
import { randomBytes } from "node:crypto";
import { displayStart, generateToken } from "@tessera/verifier";
import { afterEach, expect, it } from "vitest";
import { describeEachStore } from "../stores.js";
import { type AbuseHarness, createAbuseHarness } from "./abuse-harness.js";

const WINDOW_MS = 60_000;
/** Well-formed (its checksum holds) but issued by nobody. */
const BAD_KEY = generateToken("tsk", (n) => randomBytes(n));

describeEachStore("auth-failure audit aggregation", (kind) => {
  let h: AbuseHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });
  // The failed-auth limit is off here so that every request reaches authentication.
  const open = () => createAbuseHarness(kind, { rateLimitFailedAuth: 0, authFailureAuditWindowMs: WINDOW_MS });

  it("a flood of 500 bad bearer tokens from one address writes two records whose counts add up", async () => {
    h = await open();
    for (let i = 0; i < 500; i++) {
      const response = await h.admin("/v1/keys", i % 2 === 0 ? BAD_KEY : "garbage", "203.0.113.7");
      expect(response.statusCode).toBe(401);
    }
    expect(await h.counter("tessera_admin_auth_failures_total")).toBe(500);
    const during = await h.authFailedRecords();
    expect(during).toHaveLength(1);
    expect(during[0]?.data).toMatchObject({ ip: "203.0.113.7", start: displayStart(BAD_KEY) });

    // Shutdown writes the open window's summary before the database closes.
    await h.app.close();
    const after = await h.authFailedRecords();
    expect(after).toHaveLength(2);
    const summary = after[1] as { reason: string | null; data: Record<string, unknown> };
    expect(summary.reason).toBe("repeated");
    expect(summary.data).toMatchObject({ ip: "203.0.113.7", count: 499, routes: ["/v1/keys"] });
    expect(summary.data.reasons).toEqual({ unknown: 249, malformed: 250 });
    expect(1 + (summary.data.count as number)).toBe(500);
    expect(JSON.stringify(after)).not.toContain(BAD_KEY);
  });

  it("a new window starts with a record of its own; the ended window's summary is written then", async () => {
    h = await open();
    for (let i = 0; i < 3; i++) await h.admin("/v1/keys", BAD_KEY, "203.0.113.8");
    expect(await h.authFailedRecords()).toHaveLength(1);
    h.clock.advance(WINDOW_MS);
    await h.admin("/v1/keys", BAD_KEY, "203.0.113.8");
    const records = await h.authFailedRecords();
    expect(records.map((r) => r.reason)).toEqual(["unknown", "repeated", "unknown"]);
    expect(records[1]?.data).toMatchObject({ count: 2, credentials: [displayStart(BAD_KEY)] });
  });

  it("each address's first failure is recorded at once", async () => {
    h = await open();
    await h.admin("/v1/keys", BAD_KEY, "203.0.113.9");
    await h.admin("/v1/keys", BAD_KEY, "203.0.113.9");
    await h.admin("/v1/keys", BAD_KEY, "198.51.100.1");
    const records = await h.authFailedRecords();
    expect(records.map((r) => r.data.ip)).toEqual(["203.0.113.9", "198.51.100.1"]);
  });

  it("refused introspection callers are aggregated the same way", async () => {
    h = await open();
    for (let i = 0; i < 20; i++) {
      const response = await h.form("/oauth/introspect", { token: "x" }, "203.0.113.10", {
        authorization: `Bearer ${BAD_KEY}`,
      });
      expect(response.statusCode).toBe(401);
    }
    expect(await h.authFailedRecords()).toHaveLength(1);
    await h.app.close();
    const records = await h.authFailedRecords();
    expect(records[1]?.data).toMatchObject({ count: 19, routes: ["/oauth/introspect"] });
  });
});
