/**
 * GET /v1/feed: the change feed as Server-Sent Events (scope `feed:read`). See docs/events.md.
 */
import { type Static, Type } from "@sinclair/typebox";
import { VERIFIER_NAME_PATTERN } from "@tessera/verifier/wire";
import type { FeedSink } from "../../feed/service.js";
import type { RouteModule } from "../route.js";
import { adminErrors } from "../schemas.js";

export const VerifierName = Type.String({ pattern: VERIFIER_NAME_PATTERN.source, maxLength: 128 });
export const VerifierInstance = Type.String({ pattern: "^[A-Za-z0-9_-]{8,64}$" });

const Query = Type.Object({
  name: VerifierName,
  instance: VerifierInstance,
  staleness: Type.Optional(
    Type.Integer({ minimum: 100, maximum: 86_400_000, description: "The verifier's staleness bound, in ms." }),
  ),
});

function lastEventId(value: unknown): number | null {
  if (typeof value !== "string" || !/^\d{1,15}$/.test(value.trim())) return null;
  return Number(value.trim());
}

export const feedRoute: RouteModule = (app, { authority }) => {
  app.addHook("preClose", (done) => {
    // Feed connections never end on their own: end them so the server can close.
    authority.feed.disconnectAll();
    done();
  });
  app.get<{ Querystring: Static<typeof Query> }>(
    "/v1/feed",
    {
      config: { scopes: ["feed:read"] },
      schema: {
        summary: "Change feed (Server-Sent Events)",
        description:
          "A snapshot at sequence S (unless Last-Event-ID resumes), then every change after S in order, and a heartbeat carrying the head sequence about every second. See docs/events.md.",
        tags: ["feed"],
        security: [{ bearer: [] }],
        querystring: Query,
        produces: ["text/event-stream"],
        response: adminErrors,
      },
    },
    async (request, reply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        connection: "keep-alive",
        "x-accel-buffering": "no",
        "x-request-id": request.id,
      });
      res.socket?.setNoDelay(true);
      res.socket?.setTimeout(0);
      const closeListeners: Array<() => void> = [];
      let closed = false;
      res.on("close", () => {
        closed = true;
        for (const listener of closeListeners.splice(0)) listener();
      });
      const sink: FeedSink = {
        write: (bytes) => res.write(bytes),
        drain: () =>
          new Promise<void>((resolve, reject) => {
            if (closed) return reject(new Error("feed connection closed"));
            const timeout = setTimeout(() => {
              res.destroy();
              reject(new Error("feed client did not read for 120s"));
            }, 120_000);
            const done = () => {
              clearTimeout(timeout);
              res.off("drain", done);
              res.off("close", done);
              closed ? reject(new Error("feed connection closed")) : resolve();
            };
            res.on("drain", done);
            res.on("close", done);
          }),
        buffered: () => res.writableLength,
        destroy: () => res.destroy(),
        onClose: (listener) => (closed ? listener() : closeListeners.push(listener)),
      };
      await authority.feed.serve(
        {
          verifierId: request.query.instance,
          name: request.query.name,
          stalenessMs: request.query.staleness ?? 5000,
          lastEventId: lastEventId(request.headers["last-event-id"]),
        },
        sink,
      );
    },
  );
};
