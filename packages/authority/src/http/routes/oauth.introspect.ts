/**
 * POST /oauth/introspect (RFC 7662). The caller authenticates with an admin key holding
 * `introspect` (any token), or as an OAuth client with its own credentials (client_secret_basic
 * or client_secret_post; only its own tokens can be active). Inactive tokens get exactly `{"active": false}`: unknown, revoked, expired
 * and malformed are indistinguishable to the caller. Errors are RFC 6749/6750 shaped.
 */
import { Type } from "@sinclair/typebox";
import type { FastifyReply, FastifyRequest } from "fastify";
import {
  hasClientCredentials,
  OAuthError as OAuthFailure,
  oauthErrorHandler,
  sendOAuthError,
} from "../../oauth/index.js";
import { auditAuthFailure, authenticateAdmin, bearerToken } from "../auth.js";
import { oauthRequestFacts } from "../oauth-request-facts.js";
import type { RouteDeps, RouteModule } from "../route.js";
import { authenticateClient, noStore } from "./oauth.steps.js";

const OAuthError = Type.Object({ error: Type.String(), error_description: Type.Optional(Type.String()) });

const IntrospectionBody = Type.Object(
  {
    token: Type.String({ maxLength: 8192 }),
    token_type_hint: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: true },
);

/**
 * authenticateCaller: an OAuth client with its own credentials (only its own tokens can be
 * active), or an admin key holding `introspect`. A refusal is answered here in RFC 6749 / 6750
 * form (and audited); null then.
 */
async function authenticateCaller(
  deps: RouteDeps,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<{ clientId?: string } | null> {
  const { authority } = deps;
  const facts = oauthRequestFacts(request);
  const body = (request.body ?? {}) as Record<string, unknown>;
  if (bearerToken(request) === null && hasClientCredentials(facts, body)) {
    try {
      const client = await authenticateClient(authority.oauth, request, facts, body, "/oauth/introspect");
      return { clientId: client.id };
    } catch (error) {
      if (!(error instanceof OAuthFailure)) throw error;
      sendOAuthError(reply, error);
      return null;
    }
  }
  const auth = await authenticateAdmin(authority, request, ["introspect"]);
  if (auth.ok) return {};
  await auditAuthFailure(deps, request, auth.failure);
  const status = auth.error.code === "forbidden" ? 403 : 401;
  const error = status === 403 ? "insufficient_scope" : "invalid_token";
  reply.header("www-authenticate", `Bearer realm="tessera", error="${error}"`);
  reply.status(status).send({ error, error_description: auth.error.message });
  return null;
}

/** POST /oauth/introspect: authenticateCaller, validate, introspect, count. */
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
      noStore(reply);
      const caller = await authenticateCaller(deps, request, reply);
      if (caller === null) return reply;
      if (request.validationError) {
        return reply
          .status(400)
          .send({ error: "invalid_request", error_description: "the token parameter is required" });
      }
      const { token } = request.body as { token: string };
      const { response, outcome } = await authority.introspect(token, caller);
      metrics.introspections.inc({ outcome });
      return response;
    },
  );
};
