import { type Static, Type } from "@sinclair/typebox";
import { REPORT_ONLY_OUTCOMES } from "@tessera/verifier/wire";
import { BLOCKED_REASONS, feedMetrics } from "../../feed/metrics.js";
import type { CanaryReport } from "../../keys/index.js";
import type { RouteModule } from "../route.js";
import { adminErrors } from "../schemas.js";
import { VerifierInstance } from "./feed.js";

const Outcome = Type.Union([
  Type.Literal("ok"),
  ...BLOCKED_REASONS.map((r) => Type.Literal(r)),
  ...REPORT_ONLY_OUTCOMES.map((r) => Type.Literal(r)),
]);

const Body = Type.Object(
  {
    verifierId: VerifierInstance,
    entries: Type.Array(
      Type.Object(
        {
          keyId: Type.Union([Type.String({ maxLength: 128 }), Type.Null()]),
          kind: Type.Union([Type.Literal("api_key"), Type.Literal("access_token"), Type.Null()]),
          outcome: Outcome,
          route: Type.String({ maxLength: 256 }),
          address: Type.String({ maxLength: 64 }),
          userAgent: Type.String({ maxLength: 256 }),
          // Far above any real 2 s batch; an absurd count is a lying reporter.
          count: Type.Integer({ minimum: 1, maximum: 100_000_000 }),
          lastAt: Type.Integer({ minimum: 0 }),
        },
        { additionalProperties: false },
      ),
      { maxItems: 10_000 },
    ),
    dropped: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);

/**
 * POST /v1/verifiers/usage: counts of verifications by key, outcome, route, client address and
 * user agent, batched by verifiers. Feeds the usage store (docs/monitoring.md#usage), last-used
 * times and the blocked-requests counter.
 */
export const verifierUsageRoute: RouteModule = (app, { authority, metrics }) => {
  const feed = feedMetrics(metrics.registry, authority.feed);
  authority.canaries.subscribe((uses) => {
    for (const use of uses) {
      feed.canaryUses.inc({ source: use.reportedBy === "authority" ? "authority" : "verifier" }, use.count);
    }
  });
  app.post<{ Body: Static<typeof Body> }>(
    "/v1/verifiers/usage",
    {
      config: { scopes: ["feed:read"] },
      bodyLimit: 8 << 20,
      schema: {
        summary: "Report verification usage",
        tags: ["feed"],
        security: [{ bearer: [] }],
        body: Body,
        response: { 204: Type.Null(), ...adminErrors },
      },
    },
    async (request, reply) => {
      const now = authority.clock.now();
      const canaryReports: CanaryReport[] = [];
      for (const entry of request.body.entries) {
        if (entry.outcome === "canary") {
          // The caller was answered as for an unknown key: blocked as `unknown`, and reported.
          feed.blocked.inc({ reason: "unknown" }, entry.count);
          canaryReports.push(entry);
        } else if (entry.outcome === "ok") {
          // Only API keys have a last-used time; a verifier's clock never moves it into the future.
          if (entry.kind === "api_key" && entry.keyId) authority.usage.record(entry.keyId, Math.min(entry.lastAt, now));
        } else {
          feed.blocked.inc({ reason: entry.outcome }, entry.count);
        }
      }
      if (request.body.dropped > 0) feed.usageDropped.inc(request.body.dropped);
      // Folded in memory and written in the next flush: the verifier never waits on the store.
      const notKept = authority.usageStore.ingest(request.body.entries);
      authority.findings.observe(request.body.entries);
      if (notKept > 0) feed.usageDropped.inc(notKept);
      // Audited and handed to the findings before the verifier hears 204.
      if (canaryReports.length > 0) await authority.canaries.onUse(canaryReports, request.body.verifierId);
      return reply.status(204).send();
    },
  );
};
