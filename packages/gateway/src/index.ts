/**
 * @tessera/gateway: enforce Tessera credentials in front of services that cannot embed the
 * verifier, as a forward-auth server (NGINX `auth_request`, Traefik ForwardAuth, Caddy
 * `forward_auth`, Envoy ext_authz over HTTP, ingress-nginx `auth-url`) or as a reverse proxy.
 * @module
 */
export { type Decision, decide } from "./decide.js";
export { EXT_AUTHZ_PROTO, type ExtAuthzServer, loadExtAuthzPackage, startExtAuthzServer } from "./ext-authz-grpc.js";
export { createGateway, type GatewayOptions, type RunningGateway } from "./gateway.js";
export { identityHeaders } from "./identity-headers.js";
export { createLogger, type Logger } from "./log.js";
export { compilePathPattern, normalizePath } from "./path-pattern.js";
export { loadRules, parseRules, type Requirement, type Rule, type Rules, RulesError } from "./rules.js";
