import type { RouteModule } from "../route.js";
import { adminErrors } from "../schemas.js";
import { adminCallerOf, TotpStatusSchema } from "./totp.schema.js";

/** GET /v1/me/totp: the caller's TOTP status (never the secret). */
export const totpStatusRoute: RouteModule = (app, { authority }) => {
  app.get(
    "/v1/me/totp",
    {
      config: { scopes: [] },
      schema: {
        summary: "Show the caller's TOTP status",
        tags: ["step-up"],
        security: [{ bearer: [] }],
        response: { 200: TotpStatusSchema, ...adminErrors },
      },
    },
    async (request) => {
      const actor = adminCallerOf(request);
      return authority.stepUp.status(actor);
    },
  );
};
