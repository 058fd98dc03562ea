/**
 * POST /oauth/introspect (RFC 7662). The caller authenticates with an admin key holding
 * `introspect` (any token), or as an OAuth client with its own credentials (client_secret_basic
 * or client_secret_post; only its own tokens can be active). Inactive tokens get exactly `{"active": false}`: unknown, revoked, expired
 * and malformed are indistinguishable to the caller. Errors are RFC 6749/6750 shaped.
 */
import { Type } from "@sinclair/typebox";
import {
  hasClientCredentials,
  OAuthError as OAuthFailure,
  oauthErrorHandler,
  sendOAuthError,
} from "../../oauth/index.js";
import { auditAuthFailure, authenticateAdmin, bearerToken } from "../auth.js";
import { oauthRequestFacts } from "../oauth-request-facts.js";
import type { RouteModule } from "../route.js";

const OAuthError = Type.Object({ error: Type.String(), error_description: Type.Optional(Type.String()) });

const IntrospectionBody = Type.Object(
  {
    token: Type.String({ maxLength: 8192 }),
    token_type_hint: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: true },
);

export const introspectRoute: RouteModule = (app, deps) => {
  const { authority, metrics } = deps;
  app.post(
    "/oauth/introspect",
    {
      schema: {
        summary: "Token introspection (RFC 7662)",
        tags: ["oauth"],
        consumes: ["application/x-www-form-urlencoded", "application/json"],
        security: [{ bearer: [] }],
        body: IntrospectionBody,
        response: {
          200: Type.Object(
            {
              active: Type.Boolean(),
              scope: Type.Optional(Type.String()),
              client_id: Type.Optional(Type.String()),
              sub: Type.Optional(Type.String()),
              aud: Type.Optional(Type.String()),
              exp: Type.Optional(Type.Integer()),
              iat: Type.Optional(Type.Integer()),
              iss: Type.Optional(Type.String()),
              token_type: Type.Optional(Type.String()),
              key_id: Type.Optional(Type.String()),
              deprecated: Type.Optional(Type.Boolean()),
              jti: Type.Optional(Type.String()),
              gid: Type.Optional(Type.String()),
              cnf: Type.Optional(Type.Object({ jkt: Type.String() })),
            },
            { additionalProperties: false },
          ),
          "4xx": OAuthError,
        },
      },
      // Authentication happens in the handler: OAuth endpoints answer with RFC error bodies.
      attachValidation: true,
      errorHandler: oauthErrorHandler,
    },
    async (request, reply) => {
      const facts = oauthRequestFacts(request);
      reply.header("cache-control", "no-store");
      const body = (request.body ?? {}) as Record<string, unknown>;
      let clientId: string | undefined;
      if (bearerToken(request) === null && hasClientCredentials(facts, body)) {
        try {
          clientId = (await authority.oauth.authenticateClient(facts, body)).client.id;
        } catch (error) {
          if (!(error instanceof OAuthFailure)) throw error;
          if (error.error === "invalid_client") {
            await authority.oauth
              .recordClientAuthFailure(facts, body, "/oauth/introspect")
              .catch((err) => request.log.error({ err }, "could not audit a failed client authentication"));
          }
          return sendOAuthError(reply, error);
        }
      } else {
        const auth = await authenticateAdmin(authority, request, ["introspect"]);
        if (!auth.ok) {
          await auditAuthFailure(deps, request, auth.failure);
          const status = auth.error.code === "forbidden" ? 403 : 401;
          const error = status === 403 ? "insufficient_scope" : "invalid_token";
          reply.header("www-authenticate", `Bearer realm="tessera", error="${error}"`);
          return reply.status(status).send({ error, error_description: auth.error.message });
        }
      }
      if (request.validationError) {
        return reply
          .status(400)
          .send({ error: "invalid_request", error_description: "the token parameter is required" });
      }
      const { token } = request.body as { token: string };
      const { response, outcome } = await authority.introspect(token, clientId === undefined ? {} : { clientId });
      metrics.introspections.inc({ outcome });
      return response;
    },
  );
};
