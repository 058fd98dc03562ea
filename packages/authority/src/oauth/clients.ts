/**
 * OAuth clients are principals of kind `service` or `app`. A client's secret IS one of its
 * Tessera API keys holding the scope `oauth:client`: issuance, rotation with a grace window,
 * revocation, leak scanning and audit are the ones API keys already have, and a disabled
 * principal can no longer authenticate. `client_id` is the principal id.
 *
 * Client authentication methods: `client_secret_basic` (RFC 6749 2.3.1: id and secret
 * form-encoded, then Basic) and `client_secret_post`. Sending both is `invalid_request`.
 *
 * Per-client OAuth settings live in the principal's metadata under `oauth`:
 * `{ "refreshTokens": true, "accessTokenTtlSeconds": 600, "requireDpop": true, "audience": "https://api.example" }`.
 */

import { hashToken, parseToken } from "@tessera/verifier";
import { CompiledQuery } from "kysely";
import type { ServiceContext } from "../context.js";
import { createCachedRead } from "../db/cached-read.js";
import type { PrincipalKind, PrincipalStatus, StoredKeyStatus } from "../db/schema.js";
import { keyState } from "../domain/keys.js";
import type { UsageRecorder } from "../keys/index.js";
import { invalidClient, invalidRequest } from "./errors.js";
import type { OAuthRequestFacts } from "./request-facts.js";

/** The scope an API key must hold to serve as its principal's OAuth client secret. */
export const CLIENT_SECRET_SCOPE = "oauth:client";

export interface ClientSettings {
  /** client_credentials grants also return a refresh token (the client's first refresh token). */
  refreshTokens: boolean;
  /** Lifetime of the client's access tokens; capped by TESSERA_ACCESS_TOKEN_MAX_TTL. */
  accessTokenTtlSeconds: number | null;
  /** Every token of this client must be DPoP-bound. */
  requireDpop: boolean;
  /** Default `aud` of its access tokens when no `resource` is asked for. */
  audience: string | null;
}

export interface OAuthClient {
  id: string;
  kind: PrincipalKind;
  allowedScopes: string[];
  settings: ClientSettings;
  /** The API key that authenticated it: its id, never the secret. */
  keyId: string;
}

interface ClientRow {
  key_id: string;
  principal_id: string;
  scopes: string;
  status: StoredKeyStatus;
  expires_at: number | null;
  /** A suspended client secret authenticates nothing until it is resumed. */
  suspended_at: number | null;
  principal_status: PrincipalStatus;
  kind: PrincipalKind;
  allowed_scopes: string;
  metadata: string;
}

export type ClientAuthMethod = "client_secret_basic" | "client_secret_post";

export function clientSettings(metadataJson: string): ClientSettings {
  let oauth: Record<string, unknown> = {};
  try {
    const metadata = JSON.parse(metadataJson) as Record<string, unknown>;
    if (metadata.oauth && typeof metadata.oauth === "object" && !Array.isArray(metadata.oauth)) {
      oauth = metadata.oauth as Record<string, unknown>;
    }
  } catch {
    // Stored metadata is always JSON; a broken row just gets the defaults.
  }
  const ttl = oauth.accessTokenTtlSeconds;
  return {
    refreshTokens: oauth.refreshTokens === true,
    accessTokenTtlSeconds: typeof ttl === "number" && Number.isInteger(ttl) && ttl > 0 ? ttl : null,
    requireDpop: oauth.requireDpop === true,
    audience: typeof oauth.audience === "string" && oauth.audience.length > 0 ? oauth.audience : null,
  };
}

/** RFC 6749 2.3.1: client_id and client_secret are form-encoded before Basic encoding. */
function decodeBasic(header: string): { id: string; secret: string } | null {
  const match = /^Basic +([A-Za-z0-9+/=]{1,2048}) *$/i.exec(header);
  if (!match) return null;
  const decoded = Buffer.from(match[1] as string, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return null;
  try {
    const formDecode = (s: string) => decodeURIComponent(s.replace(/\+/g, " "));
    return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    return null;
  }
}

export { hasClientCredentials } from "./request-facts.js";

/**
 * The client id, secret and method the request presents: exactly one of client_secret_basic and
 * client_secret_post, well-formed, or `invalid_client` / `invalid_request`.
 */
function presentedCredentials(
  header: string | undefined,
  body: Record<string, unknown>,
): { id: string; secret: string; method: ClientAuthMethod } {
  const basic = typeof header === "string" && /^Basic /i.test(header);
  if (typeof header === "string" && !basic) {
    throw invalidClient("authenticate the client with client_secret_basic or client_secret_post");
  }
  if (basic && body.client_secret !== undefined) {
    throw invalidRequest("use exactly one client authentication method");
  }
  let id: unknown;
  let secret: unknown;
  let method: ClientAuthMethod;
  if (basic) {
    const decoded = decodeBasic(header as string);
    if (!decoded) throw invalidClient("the Basic credentials are malformed");
    if (body.client_id !== undefined && body.client_id !== decoded.id) {
      throw invalidRequest("client_id in the body does not match the authenticated client");
    }
    ({ id, secret } = decoded);
    method = "client_secret_basic";
  } else {
    id = body.client_id;
    secret = body.client_secret;
    method = "client_secret_post";
    if (secret === undefined) throw invalidClient("client authentication is required");
  }
  if (typeof id !== "string" || typeof secret !== "string" || id.length === 0 || id.length > 128) {
    throw invalidClient("client authentication failed");
  }
  return { id, secret, method };
}

export function createClientAuthenticator(ctx: ServiceContext, usage: UsageRecorder) {
  const acceptedPrefixes = new Set(ctx.config.acceptedKeyPrefixes);
  // Runs on every token, introspection and revocation request: the key and its principal in
  // one indexed lookup by hash, compiled once. The secret is never compared, only hashed, so
  // the time taken does not depend on how much of a guess was right.
  const clientSql = ctx.db
    .selectFrom("api_keys")
    .innerJoin("principals", "principals.id", "api_keys.principal_id")
    .select([
      "api_keys.id as key_id",
      "api_keys.principal_id",
      "api_keys.scopes",
      "api_keys.status",
      "api_keys.expires_at",
      "api_keys.suspended_at",
      "principals.status as principal_status",
      "principals.kind",
      "principals.allowed_scopes",
      "principals.metadata",
    ])
    .where("api_keys.key_hash", "=", "")
    .compile().sql;
  // Remembered until a change is heard (db/change-gate.ts); the key's state is worked out
  // from the row and the clock on every call.
  const clientByHash = createCachedRead(
    ctx.changeGate,
    async (hash: string) => (await ctx.db.executeQuery<ClientRow>(CompiledQuery.raw(clientSql, [hash]))).rows[0],
  );
  /**
   * Authenticates the client of an OAuth request. Every failure is the same `invalid_client`
   * (which part was wrong is not revealed); the caller audits it.
   */
  return async function authenticateClient(
    request: Pick<OAuthRequestFacts, "authorization">,
    body: Record<string, unknown>,
  ): Promise<{ client: OAuthClient; method: ClientAuthMethod }> {
    const { id, secret, method } = presentedCredentials(request.authorization, body);
    if (!parseToken(secret, acceptedPrefixes)) throw invalidClient("client authentication failed");
    const row = await clientByHash.get(hashToken(secret));
    const state = row ? keyState(row, ctx.clock.now()) : "revoked";
    if (
      !row ||
      row.principal_id !== id ||
      (state !== "active" && state !== "deprecated") ||
      row.principal_status !== "active" ||
      // Users hold API keys but are not OAuth clients.
      row.kind === "user" ||
      !(JSON.parse(row.scopes) as string[]).includes(CLIENT_SECRET_SCOPE)
    ) {
      throw invalidClient("client authentication failed");
    }
    // The secret's last use is visible, as for any API key: a rotated client secret can be
    // retired once the client has switched.
    usage.record(row.key_id);
    const principal = row;
    const client: OAuthClient = {
      id,
      keyId: row.key_id,
      kind: principal.kind,
      allowedScopes: JSON.parse(principal.allowed_scopes) as string[],
      settings: clientSettings(principal.metadata),
    };
    return { client, method };
  };
}
