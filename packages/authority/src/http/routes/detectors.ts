import { type Static, Type } from "@sinclair/typebox";
import { StepUpSchema } from "../../stepup/schema.js";
import { actorOf } from "../auth.js";
import type { RouteModule } from "../route.js";
import { adminErrors, Duration } from "../schemas.js";
import { DetectorIdParam, DetectorSchema, ModeSchema } from "./findings.schema.js";

const Body = Type.Object(
  {
    mode: Type.Optional(ModeSchema),
    learningPeriod: Type.Optional(Duration),
    params: Type.Optional(Type.Record(Type.String({ maxLength: 64 }), Type.Number())),
    stepUp: Type.Optional(StepUpSchema),
  },
  { additionalProperties: false },
);

/** GET /v1/detectors and PUT /v1/detectors/{id}: each detector's response policy. */
export const detectorsRoute: RouteModule = (app, { authority }) => {
  app.get(
    "/v1/detectors",
    {
      config: { scopes: ["keys:read"] },
      schema: {
        summary: "The detectors with their modes, learning periods and parameters",
        tags: ["findings"],
        security: [{ bearer: [] }],
        response: { 200: Type.Object({ items: Type.Array(DetectorSchema) }), ...adminErrors },
      },
    },
    async () => ({ items: await authority.findings.detectors() }),
  );
  app.put<{ Params: Static<typeof DetectorIdParam>; Body: Static<typeof Body> }>(
    "/v1/detectors/:id",
    {
      config: { scopes: ["keys:revoke"] },
      schema: {
        summary: "Set a detector's mode (off, alert, suspend, revoke), learning period or parameters",
        description: "Setting `revoke` needs step-up (`stepUp: { otp, justification }`).",
        tags: ["findings"],
        security: [{ bearer: [] }],
        params: DetectorIdParam,
        body: Body,
        response: { 200: DetectorSchema, ...adminErrors },
      },
    },
    async (request) => authority.findings.updateDetector(request.params.id, request.body, actorOf(request)),
  );
};
