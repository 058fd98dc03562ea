/**
 * @tessera/verifier: verify Tessera credentials locally at hash-map speed, kept in step with the
 * authority's change feed. Middleware for node:http, Express, Fastify and Hono is exported from
 * `@tessera/verifier/middleware/<framework>` (and re-exported here).
 * @module
 */
export { BASE62_ALPHABET, isBase62, randomBase62 } from "./base62.js";
export { crc32Ascii } from "./crc32.js";
export { createVerifier, type Verifier, type VerifierOptions, type VerifierStatus } from "./create-verifier.js";
export * from "./dpop.js";
export { toMilliseconds } from "./duration.js";
export { FeedHttpError } from "./feed-client.js";
export { hashToken } from "./hash.js";
export { MAX_JWT_LENGTH, SignatureCache } from "./jwt.js";
export type { TesseraMiddlewareOptions } from "./middleware/core.js";
export { tesseraExpress } from "./middleware/express.js";
export { tesseraFastify } from "./middleware/fastify.js";
export { tesseraHono } from "./middleware/hono.js";
export { type TesseraIncomingMessage, tesseraNodeHttp } from "./middleware/node-http.js";
export { MalformedChangeError, Replica } from "./replica.js";
export { createSseParser, type SseEvent } from "./sse.js";
export * from "./token-format.js";
export type { VerifiedCredential, VerifyFailure, VerifyOptions, VerifyRejection, VerifyResult } from "./types.js";
export type { UsageRecord } from "./usage.js";
export { rejection, verifyLocally } from "./verify.js";
