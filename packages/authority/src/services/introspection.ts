/**
 * RFC 7662 token introspection for API keys. Inactive answers carry no reason at all, so the
 * endpoint tells a caller nothing about tokens it should not know.
 */
import type { ServiceContext } from "./context.js";
import type { LookupKey } from "./key-lookup.js";
import type { UsageRecorder } from "./usage.js";

export type IntrospectionResponse =
  | { active: false }
  | {
      active: true;
      scope: string;
      client_id: string;
      sub: string;
      aud?: string;
      exp?: number;
      iat: number;
      iss: string;
      token_type: "api_key";
      key_id: string;
      /** True during a rotation's grace window: the holder should switch to the replacement. */
      deprecated?: true;
    };

export type IntrospectionOutcome = "active" | "inactive" | "malformed";

export function createIntrospectionService(ctx: ServiceContext, lookupKey: LookupKey, usage: UsageRecorder) {
  return async function introspect(
    token: unknown,
  ): Promise<{ response: IntrospectionResponse; outcome: IntrospectionOutcome }> {
    const found = await lookupKey(token);
    if (!found.found)
      return { response: { active: false }, outcome: found.reason === "malformed" ? "malformed" : "inactive" };
    if (!found.usable) return { response: { active: false }, outcome: "inactive" };
    const { key } = found;
    usage.record(key.id);
    const response: IntrospectionResponse = {
      active: true,
      scope: (JSON.parse(key.scopes) as string[]).join(" "),
      client_id: key.principal_id,
      sub: key.principal_id,
      iat: Math.floor(key.created_at / 1000),
      iss: ctx.config.issuer,
      token_type: "api_key",
      key_id: key.id,
    };
    if (key.audience !== null) response.aud = key.audience;
    if (key.expires_at !== null) response.exp = Math.floor(key.expires_at / 1000);
    if (found.state === "deprecated") response.deprecated = true;
    return { response, outcome: "active" };
  };
}
