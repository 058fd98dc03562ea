/**
 * The one place errors become HTTP answers. Admin API: `{ error: { code, message, requestId,
 * details? } }`; details only for 4xx; a 5xx says nothing but its request id and the detail
 * goes to the log. OAuth endpoints answer in RFC 6749 / 6750 form (see oauth-errors.ts).
 */
import type { Socket } from "node:net";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { TesseraError, type TesseraErrorCode } from "../errors.js";
import { newId } from "../ids.js";
import { loggableUrl } from "./loggable-url.js";

export const STATUS_BY_CODE: Record<TesseraErrorCode, number> = {
  validation_failed: 400,
  webhook_url_forbidden: 400,
  invalid_json: 400,
  invalid_url: 400,
  url_too_long: 414,
  headers_too_large: 431,
  unsupported_media_type: 415,
  payload_too_large: 413,
  unauthenticated: 401,
  forbidden: 403,
  scope_escalation: 403,
  not_found: 404,
  conflict: 409,
  scope_not_allowed: 422,
  expiry_exceeds_policy: 422,
  principal_disabled: 409,
  key_not_active: 409,
  key_not_suspended: 409,
  principal_suspended: 409,
  principal_not_suspended: 409,
  rotation_not_open: 409,
  selector_empty: 400,
  campaign_empty: 422,
  campaign_state: 409,
  keys_in_use: 409,
  no_distribution_channel: 422,
  export_consumed: 410,
  rate_limited: 429,
  step_up_required: 403,
  step_up_failed: 403,
  address_in_use: 500,
  database_url_invalid: 400,
  database_unavailable: 503,
  internal_error: 500,
};

export interface ErrorBody {
  error: { code: TesseraErrorCode; message: string; requestId: string; details?: Record<string, unknown> };
}

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** A schema failure as one readable sentence naming the field, e.g. `body.scopes: must be array`. */
function validationError(errors: AjvError[], context = "request"): TesseraError {
  const first = errors[0];
  if (!first) return new TesseraError("validation_failed", `${context} is not valid`);
  const path = `${context}${first.instancePath.replace(/\//g, ".")}`;
  const field =
    first.keyword === "additionalProperties"
      ? `${path}.${String(first.params.additionalProperty)}`
      : first.keyword === "required"
        ? `${path}.${String(first.params.missingProperty)}`
        : path;
  const message =
    first.keyword === "additionalProperties"
      ? `${field} is not a known field`
      : first.keyword === "required"
        ? `${field} is required`
        : `${field} ${first.message ?? "is not valid"}`;
  return new TesseraError("validation_failed", message, { details: { field } });
}

/** Turns anything thrown (ours, Fastify's, a bug) into a TesseraError with a stable code. */
export function toTesseraError(error: unknown): TesseraError {
  if (error instanceof TesseraError) return error;
  const fastifyError = error as FastifyError & { validation?: unknown[]; validationContext?: string };
  if (fastifyError?.validation)
    return validationError(fastifyError.validation as AjvError[], fastifyError.validationContext);
  switch (fastifyError?.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new TesseraError("payload_too_large", "request body is too large");
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return new TesseraError("unsupported_media_type", "send application/json (or form-encoded on /oauth endpoints)");
    case "FST_ERR_BAD_URL":
      return new TesseraError("invalid_url", "the request URL is not valid: check its percent-encoding");
    case "FST_ERR_MAX_PARAM_LENGTH":
      return new TesseraError("url_too_long", "a path segment of the request URL is too long: no id is that long");
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return new TesseraError("invalid_json", "request body is not valid JSON");
    default:
      break;
  }
  if (error instanceof SyntaxError) return new TesseraError("invalid_json", "request body is not valid JSON");
  const status = fastifyError?.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) {
    return new TesseraError("validation_failed", fastifyError.message);
  }
  return new TesseraError("internal_error", "internal error", { cause: error });
}

export function sendError(reply: FastifyReply, request: FastifyRequest, error: TesseraError): FastifyReply {
  const status = STATUS_BY_CODE[error.code];
  const body: ErrorBody = {
    error: {
      code: error.code,
      message: status >= 500 ? "internal error: the request id identifies it in the authority's log" : error.message,
      requestId: request.id,
      ...(status < 500 && error.details ? { details: error.details } : {}),
    },
  };
  if (status === 401) reply.header("www-authenticate", 'Bearer realm="tessera"');
  return reply.status(status).send(body);
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const tesseraError = toTesseraError(error);
    if (STATUS_BY_CODE[tesseraError.code] >= 500) {
      request.log.error({ err: error }, "request failed");
    }
    return sendError(reply, request, tesseraError);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, request, new TesseraError("not_found", `no route ${request.method} ${shownPath(request.url)}`)),
  );
}

/** The path named in a 404: no query, token-like runs masked, at most 100 characters (never a 10 KB echo). */
function shownPath(url: string): string {
  const path = loggableUrl(url);
  return path.length > 100 ? `${path.slice(0, 100)}...` : path;
}

/**
 * Fastify's `frameworkErrors` option: errors raised before routing (a malformed
 * percent-encoding, an over-long path parameter) answer in our shape too, without echoing the URL.
 */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  sendError(reply, request, toTesseraError(error));
}

/**
 * Fastify's `clientErrorHandler`: requests the HTTP parser refuses (headers over the size limit,
 * garbage) get our JSON shape on the raw socket; there is no request object, so a fresh id.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) return;
  const tooLarge = error.code === "HPE_HEADER_OVERFLOW";
  const code: TesseraErrorCode = tooLarge ? "headers_too_large" : "validation_failed";
  const message = tooLarge ? "the request's headers (or URL) are too large" : "the request could not be parsed as HTTP";
  const body = JSON.stringify({ error: { code, message, requestId: newId("request") } });
  const status = STATUS_BY_CODE[code];
  socket.end(
    `HTTP/1.1 ${status} ${tooLarge ? "Request Header Fields Too Large" : "Bad Request"}\r\n` +
      `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
