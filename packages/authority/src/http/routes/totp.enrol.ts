import { Type } from "@sinclair/typebox";
import type { RouteModule } from "../route.js";
import { adminErrors } from "../schemas.js";
import { adminCallerOf } from "./totp.schema.js";

/** POST /v1/me/totp: start TOTP enrolment of the caller's own principal. */
export const enrolTotpRoute: RouteModule = (app, { authority }) => {
  app.post(
    "/v1/me/totp",
    {
      config: { scopes: [] },
      schema: {
        summary: "Enrol a TOTP second factor (step-up) for the caller's principal",
        description:
          "Answers the secret, an otpauth:// URI and 10 recovery codes, shown once. The enrolment is pending until " +
          "POST /v1/me/totp/activate confirms a first code. A pending enrolment may be restarted; an active one must " +
          "be removed first. Needs a key holding any admin scope.",
        tags: ["step-up"],
        security: [{ bearer: [] }],
        response: {
          201: Type.Object({
            status: Type.Literal("pending"),
            secret: Type.String({ description: "base32; shown once" }),
            otpauthUri: Type.String(),
            recoveryCodes: Type.Array(Type.String(), { description: "single-use; shown once" }),
          }),
          ...adminErrors,
        },
      },
    },
    async (request, reply) => {
      const actor = adminCallerOf(request);
      const enrolment = await authority.stepUp.enrol(actor);
      return reply.status(201).send(enrolment);
    },
  );
};
