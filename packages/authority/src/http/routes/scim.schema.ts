/** What the SCIM routes share: the content type, the caller's scopes, and errors in SCIM's shape. */
import type { FastifyReply, FastifyRequest } from "fastify";
import { isTesseraError } from "../../errors.js";
import { isScimError, scimErrorBody } from "../../scim/index.js";
import { STATUS_BY_CODE } from "../error-handler.js";

export const SCIM_CONTENT_TYPE = "application/scim+json";

/** The SCIM bearer token: an admin key that may provision (principals:write) and revoke. */
export const SCIM_ROUTE_CONFIG = { scopes: ["principals:write", "keys:revoke"] };

/** Answers `body` as SCIM JSON, or a thrown SCIM or Tessera error as a SCIM error. */
export async function answerScim(
  reply: FastifyReply,
  produce: () => Promise<{ status?: number; body?: unknown }>,
): Promise<FastifyReply> {
  try {
    const { status = 200, body } = await produce();
    if (body === undefined) return reply.status(status).send();
    return reply.status(status).type(SCIM_CONTENT_TYPE).send(body);
  } catch (error) {
    if (isScimError(error)) {
      return reply
        .status(error.status)
        .type(SCIM_CONTENT_TYPE)
        .send(scimErrorBody(error.status, error.message, error.scimType));
    }
    if (isTesseraError(error)) {
      const status = STATUS_BY_CODE[error.code];
      const scimType = error.code === "conflict" ? "uniqueness" : status === 400 ? "invalidValue" : undefined;
      return reply
        .status(status)
        .type(SCIM_CONTENT_TYPE)
        .send(scimErrorBody(status, error.message, scimType));
    }
    throw error;
  }
}

/** The public base URL resources' `meta.location` is under. */
export function baseUrlOf(issuer: string, request: FastifyRequest): string {
  return issuer ? issuer.replace(/\/$/, "") : `${request.protocol}://${request.host}`;
}
