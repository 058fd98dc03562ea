import { Type } from "@sinclair/typebox";
import type { RouteModule } from "../route.js";
import { adminErrors } from "../schemas.js";
import { SigningKeySchema } from "./signing-keys.schema.js";

/** GET /v1/signing-keys: every access-token signing key with its state (public parts only). */
export const listSigningKeysRoute: RouteModule = (app, { authority }) => {
  app.get(
    "/v1/signing-keys",
    {
      config: { scopes: ["signing-keys:write"] },
      schema: {
        summary: "List access-token signing keys",
        tags: ["signing-keys"],
        security: [{ bearer: [] }],
        response: { 200: Type.Object({ items: Type.Array(SigningKeySchema) }), ...adminErrors },
      },
    },
    async () => ({ items: await authority.oauth.signingKeys.list() }),
  );
};
