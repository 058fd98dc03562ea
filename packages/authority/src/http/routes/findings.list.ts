import { type Static, Type } from "@sinclair/typebox";
import { Counter } from "prom-client";
import type { RouteModule } from "../route.js";
import { adminErrors } from "../schemas.js";
import { FindingSchema } from "./findings.schema.js";

const Query = Type.Object(
  {
    state: Type.Optional(Type.Union([Type.Literal("open"), Type.Literal("acknowledged"), Type.Literal("resolved")])),
    detector: Type.Optional(Type.String({ maxLength: 64 })),
    severity: Type.Optional(
      Type.Union([Type.Literal("low"), Type.Literal("medium"), Type.Literal("high"), Type.Literal("critical")]),
    ),
    keyId: Type.Optional(Type.String({ maxLength: 80 })),
    principalId: Type.Optional(Type.String({ maxLength: 80 })),
    since: Type.Optional(Type.String({ format: "date-time", description: "findings seen at or after this time" })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
  },
  { additionalProperties: false },
);

/** GET /v1/findings: what the detectors found, newest first. */
export const listFindingsRoute: RouteModule = (app, { authority, metrics }) => {
  const opened = new Counter({
    name: "tessera_findings_total",
    help: "Findings opened, by detector and severity (a repeated detection updates its open finding and is not counted again).",
    labelNames: ["detector", "severity"] as const,
    registers: [metrics.registry],
  });
  authority.findings.subscribe((finding) => opened.inc({ detector: finding.detector, severity: finding.severity }));
  app.get<{ Querystring: Static<typeof Query> }>(
    "/v1/findings",
    {
      config: { scopes: ["keys:read"] },
      schema: {
        summary: "List findings (filters: state, detector, severity, keyId, principalId, since)",
        tags: ["findings"],
        security: [{ bearer: [] }],
        querystring: Query,
        response: {
          200: Type.Object({ items: Type.Array(FindingSchema), nextCursor: Type.Union([Type.String(), Type.Null()]) }),
          ...adminErrors,
        },
      },
    },
    async (request) => {
      const { since, ...filter } = request.query;
      return authority.findings.list({ ...filter, ...(since ? { since: Date.parse(since) } : {}) });
    },
  );
};
