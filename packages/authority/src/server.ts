/**
 * Starts an authority: opens the database (migrating it), creates the root admin key on an
 * empty database, and listens. Used by `tessera serve` and by tests that need a real port.
 */
import type { FastifyInstance, FastifyServerOptions } from "fastify";
import { type Authority, createAuthority } from "./authority.js";
import type { Clock } from "./clock.js";
import type { TesseraConfig } from "./config.js";
import { buildApp } from "./http/app.js";
import type { BootstrapResult } from "./services/bootstrap.js";

export interface RunningAuthority {
  authority: Authority;
  app: FastifyInstance;
  /** The address it listens on, e.g. http://127.0.0.1:7070. */
  url: string;
  /** Set when this start created the root admin key (the first start on an empty database). */
  bootstrap: BootstrapResult;
  close(): Promise<void>;
}

/** How long requests in flight may take to finish when the authority shuts down. */
export const SHUTDOWN_GRACE_MS = 5000;

export async function startAuthority(
  config: TesseraConfig,
  options: { logger?: FastifyServerOptions["logger"]; clock?: Clock } = {},
): Promise<RunningAuthority> {
  const authority = await createAuthority({ config, ...(options.clock ? { clock: options.clock } : {}) });
  try {
    const bootstrap = await authority.bootstrap();
    const { app } = await buildApp(authority, options.logger === undefined ? {} : { logger: options.logger });
    await app.listen({ host: config.host, port: config.port });
    // Webhook deliveries start with the server (the CLI and tests drive them with runOnce()).
    authority.webhooks.start();
    authority.jobs.scheduler.start(config.jobsIntervalMs);
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : config.port;
    const host = config.host.includes(":") ? `[${config.host}]` : config.host;
    let closed = false;
    return {
      authority,
      app,
      url: `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`,
      bootstrap,
      async close() {
        if (closed) return;
        closed = true;
        // Graceful, but bounded: requests in flight get a few seconds to finish, then every
        // connection still open is cut, so a stuck client can never hold shutdown (or SIGTERM) hostage.
        const force = setTimeout(() => app.server.closeAllConnections(), SHUTDOWN_GRACE_MS);
        try {
          await app.close();
        } finally {
          clearTimeout(force);
        }
        await authority.close();
      },
    };
  } catch (error) {
    await authority.close();
    throw error;
  }
}
