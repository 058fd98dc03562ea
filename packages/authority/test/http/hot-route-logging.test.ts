/**
 * The hot endpoints log no per-request line at the default TESSERA_HOT_ROUTE_LOG_LEVEL (warn),
 * while the rest of the API keeps its request log; `info` brings theirs back, and they are
 * never more verbose than the authority's own level.
 */
import { Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { afterEach, expect, it } from "vitest";
import { buildApp, loggerOptions } from "../../src/http/app.js";
import { stricterLevel } from "../../src/http/hot-route-logging.js";
import { createHarness, type Harness } from "../harness.js";
import { describeEachStore, type StoreKind } from "../stores.js";

interface Logged {
  h: Harness;
  app: FastifyInstance;
  lines: { url?: string; msg: string }[];
  secret: string;
}

async function loggedApp(kind: StoreKind, hotRouteLogLevel?: "info" | "warn"): Promise<Logged> {
  const h = await createHarness(kind, hotRouteLogLevel ? { hotRouteLogLevel } : {});
  const lines: Logged["lines"] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      const line = JSON.parse(String(chunk));
      lines.push({ url: line.req?.url, msg: line.msg });
      done();
    },
  });
  const { app } = await buildApp(h.authority, { logger: { ...loggerOptions(h.authority.config.logLevel), stream } });
  const admin = await h.key(["introspect", "keys:read"]);
  return { h, app, lines, secret: admin.secret };
}

function introspect(app: FastifyInstance, secret: string) {
  return app.inject({
    method: "POST",
    url: "/oauth/introspect",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/x-www-form-urlencoded" },
    payload: `token=${secret}`,
  });
}

describeEachStore("hot-route logging", (kind) => {
  let current: Logged | undefined;
  afterEach(async () => {
    await current?.app.close();
    await current?.h.close();
    current = undefined;
  });

  it("logs no request line for an introspection by default, and keeps the admin API's", async () => {
    current = await loggedApp(kind);
    const { app, lines, secret } = current;
    expect((await introspect(app, secret)).statusCode).toBe(200);
    const keys = await app.inject({ method: "GET", url: "/v1/keys", headers: { authorization: `Bearer ${secret}` } });
    expect(keys.statusCode).toBe(200);
    expect(lines.filter((l) => l.url === "/oauth/introspect")).toEqual([]);
    expect(lines.filter((l) => l.url === "/v1/keys").map((l) => l.msg)).toContain("incoming request");
  });

  it("logs every introspection at TESSERA_HOT_ROUTE_LOG_LEVEL=info", async () => {
    current = await loggedApp(kind, "info");
    const { app, lines, secret } = current;
    expect((await introspect(app, secret)).statusCode).toBe(200);
    expect(lines.filter((l) => l.url === "/oauth/introspect").map((l) => l.msg)).toContain("incoming request");
  });
});

it("takes the stricter of the two levels", () => {
  expect(stricterLevel("warn", "info")).toBe("warn");
  expect(stricterLevel("info", "error")).toBe("error");
  expect(stricterLevel("trace", "debug")).toBe("debug");
});
