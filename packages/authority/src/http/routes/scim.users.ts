/**
 * SCIM 2.0 Users (RFC 7644) as Entra ID and Okta use them: look up with
 * `GET /scim/v2/Users?filter=userName eq "..."`, provision with `POST`, change with `PUT` or
 * `PATCH` (`active: false` disables the principal and revokes all it holds; `true` enables it,
 * its credentials staying revoked), deprovision with `DELETE`. `{id}` is the principal's id (a
 * name is accepted too, for clients of the first version). Errors use the SCIM error shape.
 */
import { Type } from "@sinclair/typebox";
import { toScimUser, userInputOf } from "../../scim/index.js";
import { actorOf } from "../auth.js";
import type { RouteModule } from "../route.js";
import { answerScim, baseUrlOf, SCIM_CONTENT_TYPE, SCIM_ROUTE_CONFIG } from "./scim.schema.js";

const params = Type.Object({ id: Type.String({ minLength: 1, maxLength: 256 }) });
const listQuery = Type.Object({
  filter: Type.Optional(Type.String({ maxLength: 4096 })),
  startIndex: Type.Optional(Type.String({ pattern: "^[0-9]{1,9}$" })),
  count: Type.Optional(Type.String({ pattern: "^[0-9]{1,9}$" })),
});
const doc = (summary: string) => ({ summary, tags: ["scim"], security: [{ bearer: [] }] });

export const scimUsersRoute: RouteModule = (app, { authority }) => {
  // Identity providers send application/scim+json; it is JSON (and a DELETE may carry the type
  // with no body at all).
  app.addContentTypeParser(SCIM_CONTENT_TYPE, { parseAs: "string" }, (_request, body, done) => {
    if (body === "") return done(null, undefined);
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(Object.assign(new Error("the body is not valid JSON"), { statusCode: 400 }), undefined);
    }
  });
  const { scim } = authority;
  const config = SCIM_ROUTE_CONFIG;

  app.get<{ Querystring: { filter?: string; startIndex?: string; count?: string } }>(
    "/scim/v2/Users",
    { config, schema: { ...doc('SCIM: list or look up users (filter=userName eq "...")'), querystring: listQuery } },
    (request, reply) =>
      answerScim(reply, async () => {
        const { filter, startIndex, count } = request.query;
        const query = {
          ...(filter === undefined ? {} : { filter }),
          ...(startIndex === undefined ? {} : { startIndex: Number(startIndex) }),
          ...(count === undefined ? {} : { count: Number(count) }),
        };
        return { body: await scim.list(query, baseUrlOf(authority.config.issuer, request)) };
      }),
  );

  app.get<{ Params: { id: string } }>(
    "/scim/v2/Users/:id",
    { config, schema: { ...doc("SCIM: read a user (principal)"), params } },
    (request, reply) =>
      answerScim(reply, async () => ({
        body: toScimUser(await scim.get(request.params.id), baseUrlOf(authority.config.issuer, request)),
      })),
  );

  app.post(
    "/scim/v2/Users",
    { config, schema: doc("SCIM: provision a user (a principal of kind user)") },
    (request, reply) =>
      answerScim(reply, async () => {
        const principal = await scim.create(userInputOf(request.body), actorOf(request));
        const body = toScimUser(principal, baseUrlOf(authority.config.issuer, request));
        reply.header("location", body.meta.location);
        return { status: 201, body };
      }),
  );

  app.put<{ Params: { id: string } }>(
    "/scim/v2/Users/:id",
    { config, schema: { ...doc("SCIM: replace a user's attributes and active state"), params } },
    (request, reply) =>
      answerScim(reply, async () => {
        const principal = await scim.replace(request.params.id, userInputOf(request.body), actorOf(request));
        return { body: toScimUser(principal, baseUrlOf(authority.config.issuer, request)) };
      }),
  );

  app.patch<{ Params: { id: string } }>(
    "/scim/v2/Users/:id",
    { config, schema: { ...doc("SCIM: change a user (PatchOp), e.g. active false to deprovision"), params } },
    (request, reply) =>
      answerScim(reply, async () => {
        const principal = await scim.patch(request.params.id, request.body, actorOf(request));
        return { body: toScimUser(principal, baseUrlOf(authority.config.issuer, request)) };
      }),
  );

  app.delete<{ Params: { id: string } }>(
    "/scim/v2/Users/:id",
    { config, schema: { ...doc("SCIM: deprovision a user (disabled, all it holds revoked)"), params } },
    (request, reply) =>
      answerScim(reply, async () => {
        await scim.remove(request.params.id, actorOf(request));
        return { status: 204 };
      }),
  );
};
