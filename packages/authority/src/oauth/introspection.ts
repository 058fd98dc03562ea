/**
 * RFC 7662 token introspection for API keys, JWT access tokens and refresh tokens. Inactive answers carry no reason at all, so the
 * endpoint tells a caller nothing about tokens it should not know.
 */

import type { ServiceContext } from "../context.js";
import type { LookupKey, UsageRecorder } from "../keys/index.js";
import type { OAuthIntrospection, OAuthService } from "./service.js";

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
    }
  | OAuthIntrospection;

export type IntrospectionOutcome = "active" | "inactive" | "malformed";

export interface IntrospectionOptions {
  /** A client introspecting with its own credentials: only its own tokens can be active. */
  clientId?: string;
}

export function createIntrospectionService(
  ctx: ServiceContext,
  lookupKey: LookupKey,
  usage: UsageRecorder,
  oauth?: OAuthService,
) {
  return async function introspect(
    token: unknown,
    options: IntrospectionOptions = {},
  ): Promise<{ response: IntrospectionResponse; outcome: IntrospectionOutcome }> {
    if (oauth && typeof token === "string" && !token.startsWith(`${ctx.config.keyPrefix}_`)) {
      const active = await oauth.introspect(token);
      if (active) {
        if (options.clientId !== undefined && active.client_id !== options.clientId) {
          return { response: { active: false }, outcome: "inactive" };
        }
        return { response: active, outcome: "active" };
      }
    }
    const found = await lookupKey(token);
    if (!found.found)
      return { response: { active: false }, outcome: found.reason === "malformed" ? "malformed" : "inactive" };
    if (!found.usable) return { response: { active: false }, outcome: "inactive" };
    const { key } = found;
    if (options.clientId !== undefined && key.principal_id !== options.clientId) {
      return { response: { active: false }, outcome: "inactive" };
    }
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
