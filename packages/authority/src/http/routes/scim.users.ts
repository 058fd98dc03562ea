/**
 * SCIM 2.0 (RFC 7644) for identity providers' deprovisioning: `PATCH /scim/v2/Users/{id}` with
 * `active: false` disables the principal and revokes everything it holds at once; `active:
 * true` re-enables it (its credentials stay revoked). `{id}` is the principal's id or its name
 * (the IdP's userName). `GET` answers the IdP's connectivity checks. Errors use the SCIM error
 * shape. The caller is an admin key holding principals:write and keys:revoke.
 */
import { Type } from "@sinclair/typebox";
import type { FastifyReply } from "fastify";
import type { Authority } from "../../authority.js";
import type { PrincipalView } from "../../domain/keys.js";
import { isTesseraError } from "../../errors.js";
import { actorOf } from "../auth.js";
import { STATUS_BY_CODE } from "../error-handler.js";
import type { RouteModule } from "../route.js";

const SCIM_ERROR = "urn:ietf:params:scim:api:messages:2.0:Error";
const SCIM_USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const SCIM_PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

function scimError(reply: FastifyReply, status: number, detail: string, scimType?: string) {
  return reply
    .status(status)
    .type("application/scim+json")
    .send({ schemas: [SCIM_ERROR], status: String(status), detail, ...(scimType ? { scimType } : {}) });
}

function scimUser(p: PrincipalView) {
  return {
    schemas: [SCIM_USER],
    id: p.id,
    userName: p.name,
    active: p.status === "active",
    meta: { resourceType: "User", created: p.createdAt, lastModified: p.updatedAt },
  };
}

async function findPrincipal(authority: Authority, idOrName: string): Promise<PrincipalView | null> {
  if (idOrName.startsWith("prn_")) {
    try {
      return await authority.principals.get(idOrName);
    } catch {
      return null;
    }
  }
  const row = await authority.database.db
    .selectFrom("principals")
    .select("id")
    .where("name", "=", idOrName)
    .executeTakeFirst();
  return row ? authority.principals.get(row.id) : null;
}

/** Reads `active` from the operation shapes identity providers send (Okta, Entra ID, others). */
export function activeFromPatch(body: unknown): boolean | undefined | "invalid" {
  if (typeof body !== "object" || body === null) return "invalid";
  const { schemas, Operations } = body as { schemas?: unknown; Operations?: unknown };
  if (!Array.isArray(schemas) || !schemas.includes(SCIM_PATCH) || !Array.isArray(Operations)) return "invalid";
  let active: boolean | undefined;
  const asBoolean = (v: unknown) =>
    typeof v === "boolean"
      ? v
      : v === "True" || v === "true"
        ? true
        : v === "False" || v === "false"
          ? false
          : "invalid";
  for (const op of Operations as unknown[]) {
    if (typeof op !== "object" || op === null) return "invalid";
    const { op: kind, path, value } = op as { op?: unknown; path?: unknown; value?: unknown };
    if (typeof kind !== "string" || !["replace", "add"].includes(kind.toLowerCase())) continue;
    if (typeof path === "string" && path.toLowerCase() === "active") {
      const parsed = asBoolean(value);
      if (parsed === "invalid") return "invalid";
      active = parsed;
    } else if (path === undefined && typeof value === "object" && value !== null && "active" in value) {
      const parsed = asBoolean((value as { active: unknown }).active);
      if (parsed === "invalid") return "invalid";
      active = parsed;
    }
  }
  return active;
}

export const scimUsersRoute: RouteModule = (app, { authority }) => {
  // Identity providers send application/scim+json; it is JSON.
  app.addContentTypeParser("application/scim+json", { parseAs: "string" }, app.getDefaultJsonParser("error", "ignore"));

  const params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) });
  const config = { scopes: ["principals:write", "keys:revoke"] };

  app.get<{ Params: { id: string } }>(
    "/scim/v2/Users/:id",
    {
      config,
      schema: { summary: "SCIM: read a user (principal)", tags: ["scim"], security: [{ bearer: [] }], params },
    },
    async (request, reply) => {
      const principal = await findPrincipal(authority, request.params.id);
      if (!principal) return scimError(reply, 404, `user ${request.params.id} not found`);
      return reply.type("application/scim+json").send(scimUser(principal));
    },
  );

  app.patch<{ Params: { id: string } }>(
    "/scim/v2/Users/:id",
    {
      config,
      schema: {
        summary: "SCIM: deprovision (active: false) or reactivate a user",
        tags: ["scim"],
        security: [{ bearer: [] }],
        params,
      },
    },
    async (request, reply) => {
      const active = activeFromPatch(request.body);
      if (active === "invalid") {
        return scimError(
          reply,
          400,
          "expected a SCIM PatchOp with Operations setting active to true or false",
          "invalidSyntax",
        );
      }
      const principal = await findPrincipal(authority, request.params.id);
      if (!principal) return scimError(reply, 404, `user ${request.params.id} not found`);
      try {
        const actor = actorOf(request);
        if (active === false) {
          const result = await authority.principals.disable(
            principal.id,
            "deprovisioned by the identity provider (SCIM)",
            actor,
          );
          return reply.type("application/scim+json").send(scimUser(result.principal));
        }
        if (active === true) {
          return reply
            .type("application/scim+json")
            .send(
              scimUser(
                await authority.principalUpdates.enable(
                  principal.id,
                  actor,
                  "reactivated by the identity provider (SCIM)",
                ),
              ),
            );
        }
        return reply.type("application/scim+json").send(scimUser(principal));
      } catch (error) {
        if (isTesseraError(error)) return scimError(reply, STATUS_BY_CODE[error.code], error.message);
        throw error;
      }
    },
  );
};
