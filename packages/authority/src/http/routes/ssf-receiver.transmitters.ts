import { type Static, Type } from "@sinclair/typebox";
import { actorOf } from "../auth.js";
import type { RouteModule } from "../route.js";
import { adminErrors } from "../schemas.js";

const Body = Type.Object(
  {
    issuer: Type.String({ minLength: 1, maxLength: 512, description: "the `iss` of the transmitter's SETs" }),
    jwksUri: Type.Optional(Type.String({ maxLength: 2048, description: "where its signing keys are published" })),
    jwks: Type.Optional(
      Type.Object({ keys: Type.Array(Type.Record(Type.String(), Type.Unknown()), { maxItems: 20 }) }),
    ),
    audience: Type.String({ minLength: 1, maxLength: 512, description: "the `aud` its SETs must name" }),
    action: Type.Optional(
      Type.Union([Type.Literal("disable"), Type.Literal("revoke")], {
        description: "what a revoking event does to the user principal it names (default disable)",
      }),
    ),
    description: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  { additionalProperties: false },
);

const TransmitterSchema = Type.Object({
  id: Type.String(),
  issuer: Type.String(),
  jwksUri: Type.Union([Type.String(), Type.Null()]),
  jwks: Type.Union([Type.Object({ keys: Type.Array(Type.Unknown()) }), Type.Null()]),
  audience: Type.String(),
  action: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  createdBy: Type.String(),
});

const Params = Type.Object({ id: Type.String({ pattern: "^sst_[0-9A-Za-z]{1,64}$" }) });
const tags = ["ssf"];
const security = [{ bearer: [] }];

/** /v1/ssf/transmitters: the transmitters whose pushed SETs the receiver accepts. */
export const ssfTransmittersRoute: RouteModule = (app, { authority }) => {
  app.post<{ Body: Static<typeof Body> }>(
    "/v1/ssf/transmitters",
    {
      // A trusted transmitter's events disable principals and revoke keys: whoever adds one must
      // be allowed to do that directly.
      config: { scopes: ["ssf:write", "principals:write", "keys:revoke"] },
      schema: {
        summary: "Trust an SSF transmitter",
        tags,
        security,
        body: Body,
        response: { 201: TransmitterSchema, ...adminErrors },
      },
    },
    async (request, reply) => reply.status(201).send(await authority.ssfReceiver.add(request.body, actorOf(request))),
  );
  app.get(
    "/v1/ssf/transmitters",
    {
      config: { scopes: ["ssf:read"] },
      schema: {
        summary: "List trusted SSF transmitters",
        tags,
        security,
        response: { 200: Type.Object({ items: Type.Array(TransmitterSchema) }), ...adminErrors },
      },
    },
    async () => ({ items: await authority.ssfReceiver.list() }),
  );
  app.get<{ Params: Static<typeof Params> }>(
    "/v1/ssf/transmitters/:id",
    {
      config: { scopes: ["ssf:read"] },
      schema: {
        summary: "Show a trusted SSF transmitter",
        tags,
        security,
        params: Params,
        response: { 200: TransmitterSchema, ...adminErrors },
      },
    },
    async (request) => authority.ssfReceiver.get(request.params.id),
  );
  app.delete<{ Params: Static<typeof Params> }>(
    "/v1/ssf/transmitters/:id",
    {
      config: { scopes: ["ssf:write"] },
      schema: {
        summary: "Stop trusting an SSF transmitter",
        tags,
        security,
        params: Params,
        response: { 204: Type.Null(), ...adminErrors },
      },
    },
    async (request, reply) => {
      await authority.ssfReceiver.remove(request.params.id, actorOf(request));
      return reply.status(204).send();
    },
  );
};
