import { Type } from "@sinclair/typebox";
import { SetRefused, ssfReceiverMetrics } from "../../ssf-receiver/index.js";
import type { RouteModule } from "../route.js";

const SET_TYPE = "application/secevent+jwt";

/**
 * POST /ssf/receiver/events: the push endpoint (RFC 8935) for trusted transmitters. The SET is
 * its own authentication (a signature by the transmitter's keys, our audience, a fresh jti), so
 * the route takes no admin key. 202 when accepted; 400 with `{ err, description }` when refused.
 */
export const ssfReceiverPushRoute: RouteModule = (app, { authority, metrics }) => {
  ssfReceiverMetrics(metrics.registry, authority.ssfReceiver);
  app.addContentTypeParser(SET_TYPE, { parseAs: "string", bodyLimit: 64 * 1024 }, (_request, body, done) => {
    done(null, body);
  });
  app.post<{ Body: string }>(
    "/ssf/receiver/events",
    {
      schema: {
        summary: "Receive a pushed Security Event Token (RFC 8935)",
        tags: ["ssf"],
        consumes: [SET_TYPE],
        response: {
          202: Type.Null(),
          // A refused SET answers RFC 8935's { err, description }; a body that is not even read
          // (wrong content type, too large) gets the authority's usual error shape.
          400: Type.Unknown({ description: "{ err, description } (RFC 8935 section 2.3)" }),
        },
      },
    },
    async (request, reply) => {
      if (typeof request.body !== "string" || !request.headers["content-type"]?.startsWith(SET_TYPE)) {
        return reply.status(400).send({ err: "invalid_request", description: `send the SET as ${SET_TYPE}` });
      }
      try {
        await authority.ssfReceiver.receive(request.body.trim());
        return reply.status(202).send();
      } catch (error) {
        if (error instanceof SetRefused)
          return reply.status(400).send({ err: error.err, description: error.description });
        throw error;
      }
    },
  );
};
