import { type Static, Type } from "@sinclair/typebox";
import type { RouteModule } from "../route.js";
import { timeParam } from "../route.js";
import { AuditRecordSchema, adminErrors } from "../schemas.js";

const Query = Type.Object(
  {
    action: Type.Optional(Type.String({ maxLength: 128 })),
    actor: Type.Optional(Type.String({ maxLength: 128 })),
    targetId: Type.Optional(Type.String({ maxLength: 128 })),
    from: Type.Optional(Type.String({ format: "date-time" })),
    to: Type.Optional(Type.String({ format: "date-time" })),
    afterSeq: Type.Optional(Type.Integer({ minimum: 0 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
);

/** GET /v1/audit: the audit trail in sequence order, with filters; page with afterSeq. */
export const listAuditRoute: RouteModule = (app, { authority }) => {
  app.get<{ Querystring: Static<typeof Query> }>(
    "/v1/audit",
    {
      config: { scopes: ["audit:read"] },
      schema: {
        summary: "Read the audit trail",
        tags: ["audit"],
        security: [{ bearer: [] }],
        querystring: Query,
        response: {
          200: Type.Object({
            items: Type.Array(AuditRecordSchema),
            nextAfterSeq: Type.Union([Type.Integer(), Type.Null()]),
          }),
          ...adminErrors,
        },
      },
    },
    async (request) => {
      const { from, to, ...rest } = request.query;
      return authority.audit.list({
        ...rest,
        ...(from !== undefined ? { from: timeParam(from) } : {}),
        ...(to !== undefined ? { to: timeParam(to) } : {}),
      });
    },
  );
};
