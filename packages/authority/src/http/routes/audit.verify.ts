import { Type } from "@sinclair/typebox";
import type { RouteModule } from "../route.js";
import { adminErrors } from "../schemas.js";

const Problem = Type.Object({
  kind: Type.String(),
  seq: Type.Integer(),
  message: Type.String(),
});

/**
 * GET /v1/audit/verify: walks the stored chain and answers whether any record was edited,
 * deleted or reordered (the dashboard's "Verify chain"; `tessera audit verify` does the same
 * directly against the database or offline on an export).
 */
export const verifyAuditRoute: RouteModule = (app, { authority }) => {
  app.get(
    "/v1/audit/verify",
    {
      config: { scopes: ["audit:read"] },
      schema: {
        summary: "Verify the audit chain",
        tags: ["audit"],
        security: [{ bearer: [] }],
        response: {
          200: Type.Object({
            ok: Type.Boolean(),
            records: Type.Integer(),
            head: Type.String(),
            problems: Type.Array(Problem),
            anchor: Type.Union([Type.Object({ seq: Type.Integer(), hash: Type.String() }), Type.Null()]),
          }),
          ...adminErrors,
        },
      },
    },
    async () => authority.audit.verify(),
  );
};
