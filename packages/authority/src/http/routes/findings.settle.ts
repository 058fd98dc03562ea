import { type Static, Type } from "@sinclair/typebox";
import { actorOf } from "../auth.js";
import type { RouteModule } from "../route.js";
import { adminErrors, Id } from "../schemas.js";
import { FindingSchema } from "./findings.schema.js";

const Params = Type.Object({ id: Id("fnd") });
const Body = Type.Object({ note: Type.Optional(Type.String({ maxLength: 2000 })) }, { additionalProperties: false });

/** POST /v1/findings/{id}/acknowledge and /resolve, each with an optional note. */
export const settleFindingRoute: RouteModule = (app, { authority }) => {
  for (const action of ["acknowledge", "resolve"] as const) {
    app.post<{ Params: Static<typeof Params>; Body: Static<typeof Body> }>(
      `/v1/findings/:id/${action}`,
      {
        config: { scopes: ["keys:revoke"] },
        schema: {
          summary: action === "acknowledge" ? "Acknowledge a finding (someone is on it)" : "Resolve a finding",
          tags: ["findings"],
          security: [{ bearer: [] }],
          params: Params,
          body: Body,
          response: { 200: FindingSchema, ...adminErrors },
        },
      },
      async (request) => authority.findings[action](request.params.id, request.body?.note ?? "", actorOf(request)),
    );
  }
};
