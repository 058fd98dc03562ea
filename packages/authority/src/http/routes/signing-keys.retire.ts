import { type Static, Type } from "@sinclair/typebox";
import { StepUpSchema } from "../../stepup/schema.js";
import { actorOf } from "../auth.js";
import type { RouteModule } from "../route.js";
import { adminErrors, Reason } from "../schemas.js";
import { Kid } from "./signing-keys.schema.js";

const Params = Type.Object({ kid: Kid });
const Body = Type.Object(
  { reason: Reason, emergency: Type.Optional(Type.Boolean()), stepUp: Type.Optional(StepUpSchema) },
  { additionalProperties: false },
);

/**
 * POST /v1/signing-keys/{kid}/retire, with step-up (TOTP and a justification). Emergency: at once, and every token the key signed stops
 * verifying (a fresh key signs from now if it was the signing key). Otherwise the key stops
 * signing and is retired once the tokens it may have signed have expired.
 */
export const retireSigningKeyRoute: RouteModule = (app, { authority }) => {
  app.post<{ Params: Static<typeof Params>; Body: Static<typeof Body> }>(
    "/v1/signing-keys/:kid/retire",
    {
      config: { scopes: ["signing-keys:write"] },
      schema: {
        summary: "Retire an access-token signing key",
        tags: ["signing-keys"],
        security: [{ bearer: [] }],
        params: Params,
        body: Body,
        response: {
          200: Type.Object({
            kid: Type.String(),
            retiredAt: Type.Union([Type.String(), Type.Null()]),
            retireAt: Type.Union([Type.String(), Type.Null()]),
            replacement: Type.Union([Type.String(), Type.Null()]),
          }),
          ...adminErrors,
        },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      // Retiring a signing key is a dangerous action: a second factor and a justification.
      const stepUp = await authority.stepUp.require(actor, request.body.stepUp, "signing_key.retire");
      return authority.oauth.signingKeys.retire(
        request.params.kid,
        { emergency: request.body.emergency === true, reason: request.body.reason, stepUp },
        actor,
      );
    },
  );
};
