/**
 * An authority's HTTP app on a fresh database, driven in-process with `inject`, with every log
 * line captured so tests can assert what was (and was not) logged.
 */
import { Writable } from "node:stream";
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from "fastify";
import type { TesseraConfig } from "../src/config.js";
import { ADMIN_SCOPES } from "../src/domain/scopes.js";
import { buildApp, loggerOptions, type RegisteredRoute } from "../src/http/app.js";
import { createHarness, type Harness } from "./harness.js";
import type { StoreKind } from "./stores.js";

export interface HttpHarness extends Harness {
  app: FastifyInstance;
  routes: RegisteredRoute[];
  logs: string[];
  /** A key holding every admin scope. */
  root: { id: string; secret: string; principalId: string };
  call(
    method: InjectOptions["method"],
    url: string,
    options?: { key?: string | null; body?: unknown; headers?: Record<string, string>; remoteAddress?: string },
  ): Promise<LightMyRequestResponse>;
}

export async function createHttpHarness(kind: StoreKind, overrides: Partial<TesseraConfig> = {}): Promise<HttpHarness> {
  // Every request line logged, the hot endpoints' too: the log tests read them.
  const h = await createHarness(kind, { hotRouteLogLevel: "trace", ...overrides });
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const { app, routes } = await buildApp(h.authority, { logger: { ...loggerOptions("debug"), stream } });
  const root = await h.key([...ADMIN_SCOPES]);
  return {
    ...h,
    app,
    routes,
    logs,
    root,
    call(method, url, options = {}) {
      const key = options.key === undefined ? root.secret : options.key;
      const headers: Record<string, string> = { ...(options.headers ?? {}) };
      if (key !== null) headers.authorization = `Bearer ${key}`;
      return app.inject({
        method,
        url,
        headers,
        ...(options.remoteAddress === undefined ? {} : { remoteAddress: options.remoteAddress }),
        ...(options.body === undefined
          ? {}
          : typeof options.body === "string"
            ? { payload: options.body }
            : { payload: options.body as object }),
      });
    },
    async close() {
      await app.close();
      await h.close();
    },
  };
}
