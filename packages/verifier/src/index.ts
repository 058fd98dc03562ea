/**
 * @tessera/verifier: verify Tessera credentials locally at hash-map speed, kept in step with the
 * authority's change feed.
 *
 * The root export is the public API: {@link createVerifier}, the token format, DPoP proof
 * checks, middleware for node:http, Express, Fastify and Hono (also at
 * `@tessera/verifier/middleware/<framework>`), and the types of their results. The feed's wire
 * contract is at `@tessera/verifier/wire`; building blocks the authority shares (the replica,
 * the SSE parser, base62, durations...) are at their own subpaths and are not a stable API.
 *
 * @example
 * import { createVerifier } from "@tessera/verifier";
 * const verifier = createVerifier({ url: "http://localhost:7070", credential: process.env.TESSERA_FEED_KEY!, name: "checkout-1" });
 * await verifier.ready();
 * const result = verifier.verify(token, { scopes: ["orders:read"] });
 * @module
 */
export { randomBase62 } from "./base62.js";
export { createVerifier, type Verifier, type VerifierOptions, type VerifierStatus } from "./create-verifier.js";
export {
  DPOP_ALGORITHMS,
  type DpopAlgorithm,
  type DpopCheck,
  type DpopFailure,
  type DpopResult,
  jwkThumbprint,
  verifyDpopProof,
} from "./dpop.js";
export { type FeedErrorCode, FeedHttpError, FeedIdleError } from "./feed-errors.js";
export { hashToken } from "./hash.js";
export type { TesseraMiddlewareOptions } from "./middleware/core.js";
export { tesseraExpress } from "./middleware/express.js";
export { tesseraFastify } from "./middleware/fastify.js";
export { tesseraHono } from "./middleware/hono.js";
export { type TesseraIncomingMessage, tesseraNodeHttp } from "./middleware/node-http.js";
export {
  assertValidPrefix,
  checksumOf,
  DEFAULT_PREFIXES,
  displayStart,
  generateToken,
  isWellFormedToken,
  type ParsedToken,
  PREFIX_PATTERN,
  parseToken,
  TOKEN_BODY_LENGTH,
  TOKEN_CHECKSUM_LENGTH,
  TOKEN_RANDOM_LENGTH,
} from "./token-format.js";
export type { VerifiedCredential, VerifyFailure, VerifyOptions, VerifyRejection, VerifyResult } from "./types.js";
export type { UsageRecord } from "./usage.js";
