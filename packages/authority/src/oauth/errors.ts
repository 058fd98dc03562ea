/**
 * OAuth endpoints answer in RFC 6749 5.2 form: `{ error, error_description }`, with the
 * status, `WWW-Authenticate` and `DPoP-Nonce` headers the RFCs require. Descriptions never
 * carry a secret or repeat a presented token.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";

export type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "unauthorized_client"
  | "unsupported_grant_type"
  | "invalid_scope"
  | "invalid_target"
  | "invalid_dpop_proof"
  | "use_dpop_nonce"
  | "unsupported_token_type"
  | "server_error";

export interface OAuthErrorOptions {
  status?: number;
  /** Extra response headers, e.g. `WWW-Authenticate` or `DPoP-Nonce`. */
  headers?: Record<string, string>;
  cause?: unknown;
}

const DEFAULT_STATUS: Record<OAuthErrorCode, number> = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  invalid_scope: 400,
  invalid_target: 400,
  invalid_dpop_proof: 400,
  use_dpop_nonce: 400,
  unsupported_token_type: 400,
  server_error: 500,
};

export class OAuthError extends Error {
  override readonly name = "OAuthError";
  readonly status: number;
  readonly headers: Record<string, string>;

  constructor(
    readonly error: OAuthErrorCode,
    readonly description: string,
    options: OAuthErrorOptions = {},
  ) {
    super(description, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = options.status ?? DEFAULT_STATUS[error];
    this.headers = options.headers ?? {};
  }
}

/** `invalid_client` as RFC 6749 5.2 asks: 401 with a `WWW-Authenticate` challenge. */
export function invalidClient(description: string): OAuthError {
  return new OAuthError("invalid_client", description, {
    status: 401,
    headers: { "www-authenticate": 'Basic realm="tessera", charset="UTF-8"' },
  });
}

export function invalidRequest(description: string): OAuthError {
  return new OAuthError("invalid_request", description);
}

export function sendOAuthError(reply: FastifyReply, error: OAuthError): FastifyReply {
  reply.header("cache-control", "no-store").header("pragma", "no-cache");
  for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
  return reply.status(error.status).send({ error: error.error, error_description: error.description });
}

/**
 * The error handler of the OAuth routes: body-parser refusals (repeated parameters, wrong
 * media type, oversized body) become `invalid_request`; anything unexpected is a generic
 * `server_error` whose detail goes to the log only.
 */
export function oauthErrorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof OAuthError) return sendOAuthError(reply, error);
  const status = (error as FastifyError)?.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) {
    const code = (error as FastifyError).code;
    const description =
      code === "FST_ERR_CTP_INVALID_MEDIA_TYPE"
        ? "send the parameters as application/x-www-form-urlencoded"
        : code === "FST_ERR_CTP_BODY_TOO_LARGE"
          ? "request body is too large"
          : /^parameter [\w.-]{1,64} was sent more than once$/.test((error as Error).message)
            ? (error as Error).message
            : // Parser messages may quote the body, which may hold a secret: say nothing specific.
              "the request could not be parsed";
    return sendOAuthError(reply, invalidRequest(description));
  }
  request.log.error({ err: error }, "oauth request failed");
  return sendOAuthError(
    reply,
    new OAuthError("server_error", "internal error: the request id identifies it in the log"),
  );
}
