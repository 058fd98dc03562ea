import { type Static, Type } from "@sinclair/typebox";
import { parseDuration } from "../../duration.js";
import type { RouteModule } from "../route.js";
import { timeParam } from "../route.js";
import { adminErrors, Duration, KeySchema, KeyState } from "../schemas.js";

const Query = Type.Object(
  {
    principalId: Type.Optional(Type.String({ maxLength: 80 })),
    owner: Type.Optional(Type.String({ maxLength: 256 })),
    scope: Type.Optional(Type.String({ maxLength: 128 })),
    state: Type.Optional(KeyState),
    expiringWithin: Type.Optional(Duration),
    lastUsedBefore: Type.Optional(Type.String({ format: "date-time" })),
    neverUsed: Type.Optional(Type.Boolean()),
    canary: Type.Optional(Type.Boolean({ description: "Only canary keys (true), or only the others (false)." })),
    createdBefore: Type.Optional(Type.String({ format: "date-time" })),
    createdAfter: Type.Optional(Type.String({ format: "date-time" })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
  },
  { additionalProperties: false },
);

/** GET /v1/keys: the inventory, searchable by principal, owner, scope, state and usage. */
export const listKeysRoute: RouteModule = (app, { authority }) => {
  app.get<{ Querystring: Static<typeof Query> }>(
    "/v1/keys",
    {
      config: { scopes: ["keys:read"] },
      schema: {
        summary: "List and search API keys",
        tags: ["keys"],
        security: [{ bearer: [] }],
        querystring: Query,
        response: {
          200: Type.Object({ items: Type.Array(KeySchema), nextCursor: Type.Union([Type.String(), Type.Null()]) }),
          ...adminErrors,
        },
      },
    },
    async (request) => {
      const q = request.query;
      return authority.keys.list({
        ...(q.principalId !== undefined ? { principalId: q.principalId } : {}),
        ...(q.owner !== undefined ? { owner: q.owner } : {}),
        ...(q.scope !== undefined ? { scope: q.scope } : {}),
        ...(q.state !== undefined ? { state: q.state } : {}),
        ...(q.expiringWithin !== undefined
          ? { expiringWithinMs: parseDuration(q.expiringWithin, "expiringWithin") }
          : {}),
        ...(q.lastUsedBefore !== undefined ? { lastUsedBefore: timeParam(q.lastUsedBefore) } : {}),
        ...(q.neverUsed !== undefined ? { neverUsed: q.neverUsed } : {}),
        ...(q.canary !== undefined ? { canary: q.canary } : {}),
        ...(q.createdBefore !== undefined ? { createdBefore: timeParam(q.createdBefore) } : {}),
        ...(q.createdAfter !== undefined ? { createdAfter: timeParam(q.createdAfter) } : {}),
        ...(q.limit !== undefined ? { limit: q.limit } : {}),
        ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
      });
    },
  );
};
