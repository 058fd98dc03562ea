import { type Static, Type } from "@sinclair/typebox";
import { parseDuration } from "../../duration.js";
import { actorOf } from "../auth.js";
import type { RouteModule } from "../route.js";
import { adminErrors, Duration, Id, KeySchema, Metadata, ScopeList } from "../schemas.js";

const Body = Type.Object(
  {
    principalId: Id("prn"),
    /** Required, except for a canary (which must have none). */
    scopes: Type.Optional(ScopeList),
    audience: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
    expiresIn: Type.Optional(Duration),
    description: Type.Optional(Type.String({ maxLength: 1024 })),
    metadata: Type.Optional(Metadata),
    canary: Type.Optional(
      Type.Boolean({
        description:
          "A decoy that grants nothing: no scopes (asking for any is a 400). Verifiers answer it exactly as an unknown key and report its use at once.",
      }),
    ),
  },
  { additionalProperties: false },
);

/** POST /v1/keys: issue an API key. The secret is in this response and nowhere else, ever. */
export const issueKeyRoute: RouteModule = (app, { authority }) => {
  app.post<{ Body: Static<typeof Body> }>(
    "/v1/keys",
    {
      config: { scopes: ["keys:write"] },
      schema: {
        summary: "Issue an API key",
        description: "Returns the secret once. Only its SHA-256 is stored.",
        tags: ["keys"],
        security: [{ bearer: [] }],
        body: Body,
        response: {
          201: Type.Object({
            key: KeySchema,
            secret: Type.String({ description: "Shown once. Store it in a secret manager now." }),
            sequence: Type.Integer(),
          }),
          ...adminErrors,
        },
      },
    },
    async (request, reply) => {
      const { expiresIn, scopes, ...rest } = request.body;
      const issued = await authority.keys.issue(
        { ...rest, scopes: scopes ?? [], ...(expiresIn ? { expiresInMs: parseDuration(expiresIn, "expiresIn") } : {}) },
        actorOf(request),
      );
      reply.header("cache-control", "no-store");
      return reply.status(201).send(issued);
    },
  );
};
