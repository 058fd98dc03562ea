import type { Static } from "@sinclair/typebox";
import type { RouteModule } from "../route.js";
import { adminErrors } from "../schemas.js";
import { adminCallerOf, OtpBody, rateLimitedError, TotpStatusSchema } from "./totp.schema.js";

/** DELETE /v1/me/totp: remove the caller's TOTP, with a current code or a recovery code. */
export const removeTotpRoute: RouteModule = (app, { authority }) => {
  app.delete<{ Body: Static<typeof OtpBody> }>(
    "/v1/me/totp",
    {
      config: { scopes: [] },
      schema: {
        summary: "Remove the caller's TOTP second factor",
        description: "Needs a current code or an unused recovery code. " + "The recovery codes go with it.",
        tags: ["step-up"],
        security: [{ bearer: [] }],
        body: OtpBody,
        response: { 200: TotpStatusSchema, ...adminErrors, ...rateLimitedError },
      },
    },
    async (request) => {
      const actor = adminCallerOf(request);
      return authority.stepUp.remove(actor, request.body.otp);
    },
  );
};
