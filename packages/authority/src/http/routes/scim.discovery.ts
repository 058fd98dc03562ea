/**
 * SCIM discovery (RFC 7644 4): what this service provider supports, its resource types and its
 * schemas, so identity providers can configure themselves. Public, as the RFC allows: they
 * describe the server, not its data.
 */
import { SCIM_FILTER_SCAN_LIMIT, SCIM_USER_SCHEMA } from "../../scim/index.js";
import type { RouteModule } from "../route.js";
import { baseUrlOf, SCIM_CONTENT_TYPE } from "./scim.schema.js";

const LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const doc = (summary: string) => ({ summary, tags: ["scim"] });

const attribute = (name: string, type: string, extra: Record<string, unknown> = {}) => ({
  name,
  type,
  multiValued: false,
  required: false,
  caseExact: false,
  mutability: "readWrite",
  returned: "default",
  uniqueness: "none",
  ...extra,
});

/** The User schema as Tessera keeps it (RFC 7643 4.1, the attributes stored). */
const userSchema = {
  schemas: ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
  id: SCIM_USER_SCHEMA,
  name: "User",
  description: "A principal of kind user",
  attributes: [
    attribute("userName", "string", { required: true, uniqueness: "server", mutability: "immutable" }),
    attribute("externalId", "string"),
    attribute("displayName", "string"),
    attribute("active", "boolean"),
    attribute("name", "complex", {
      subAttributes: [
        attribute("givenName", "string"),
        attribute("familyName", "string"),
        attribute("formatted", "string"),
      ],
    }),
    attribute("emails", "complex", {
      multiValued: true,
      subAttributes: [attribute("value", "string"), attribute("type", "string"), attribute("primary", "boolean")],
    }),
  ],
  meta: { resourceType: "Schema" },
};

const serviceProviderConfig = {
  schemas: ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
  documentationUri: "https://github.com/tessera-dev/tessera/blob/main/docs/scim.md",
  patch: { supported: true },
  bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
  filter: { supported: true, maxResults: SCIM_FILTER_SCAN_LIMIT },
  changePassword: { supported: false },
  sort: { supported: false },
  etag: { supported: false },
  authenticationSchemes: [
    {
      type: "oauthbearertoken",
      name: "Bearer admin key",
      description: "An admin key holding principals:write and keys:revoke, sent as Authorization: Bearer",
      primary: true,
    },
  ],
  meta: { resourceType: "ServiceProviderConfig" },
};

export const scimDiscoveryRoute: RouteModule = (app, { authority }) => {
  app.get("/scim/v2/ServiceProviderConfig", { schema: doc("SCIM: what this server supports") }, async (_req, reply) =>
    reply.type(SCIM_CONTENT_TYPE).send(serviceProviderConfig),
  );

  app.get("/scim/v2/ResourceTypes", { schema: doc("SCIM: resource types (User)") }, async (request, reply) => {
    const base = baseUrlOf(authority.config.issuer, request);
    const user = {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
      id: "User",
      name: "User",
      endpoint: "/Users",
      schema: SCIM_USER_SCHEMA,
      meta: { resourceType: "ResourceType", location: `${base}/scim/v2/ResourceTypes/User` },
    };
    return reply
      .type(SCIM_CONTENT_TYPE)
      .send({ schemas: [LIST], totalResults: 1, itemsPerPage: 1, startIndex: 1, Resources: [user] });
  });

  app.get("/scim/v2/Schemas", { schema: doc("SCIM: schemas (User)") }, async (_req, reply) =>
    reply
      .type(SCIM_CONTENT_TYPE)
      .send({ schemas: [LIST], totalResults: 1, itemsPerPage: 1, startIndex: 1, Resources: [userSchema] }),
  );
};
