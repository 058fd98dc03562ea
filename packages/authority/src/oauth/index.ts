/**
 * The OAuth feature's one entry: the token, introspection and revocation services, signing keys,
 * the replica state the verifier reads, and the RFC 6749 error forms the HTTP edge answers with.
 * Other folders import OAuth through this file only, so what lies behind it can move freely.
 */
export type { OAuthClient } from "./clients.js";
export { invalidRequest, OAuthError, oauthErrorHandler, sendOAuthError } from "./errors.js";
export {
  createIntrospectionService,
  type IntrospectionOutcome,
  type IntrospectionResponse,
} from "./introspection.js";
export { loadOAuthReplicaState } from "./replica-state.js";
export { hasClientCredentials, type OAuthRequestFacts } from "./request-facts.js";
export { cutOffPrincipal } from "./revocation.js";
export { createOAuthService, type OAuthIntrospection, type OAuthService } from "./service.js";
export type { SigningKeyService, SigningKeyView } from "./signing-keys.js";
