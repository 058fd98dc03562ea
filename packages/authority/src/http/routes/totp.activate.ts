import type { Static } from "@sinclair/typebox";
import type { RouteModule } from "../route.js";
import { adminErrors } from "../schemas.js";
import { adminCallerOf, OtpBody, rateLimitedError, TotpStatusSchema } from "./totp.schema.js";

/** POST /v1/me/totp/activate: confirm a pending enrolment with a first code. */
export const activateTotpRoute: RouteModule = (app, { authority }) => {
  app.post<{ Body: Static<typeof OtpBody> }>(
    "/v1/me/totp/activate",
    {
      config: { scopes: [] },
      schema: {
        summary: "Activate the caller's pending TOTP enrolment",
        description: "A wrong or replayed code answers step_up_failed; too many answer rate_limited.",
        tags: ["step-up"],
        security: [{ bearer: [] }],
        body: OtpBody,
        response: { 200: TotpStatusSchema, ...adminErrors, ...rateLimitedError },
      },
    },
    async (request) => {
      const actor = adminCallerOf(request);
      return authority.stepUp.activate(actor, request.body.otp);
    },
  );
};
