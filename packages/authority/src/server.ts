/**
 * Starts an authority: opens the database (migrating it), listens, and only then creates the
 * root admin key on an empty database, so a start that cannot bind its port (EADDRINUSE) never
 * creates a root key nobody saw. Used by `tessera serve` and by tests that need a real port.
 */
import type { FastifyInstance, FastifyServerOptions } from "fastify";
import { type Authority, createAuthority } from "./authority.js";
import type { Clock } from "./clock.js";
import type { TesseraConfig } from "./config.js";
import { TesseraError, validationFailed } from "./errors.js";
import { buildApp } from "./http/app.js";
import type { BootstrapResult } from "./principals/index.js";
import { startTracing } from "./telemetry/start.js";

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
  refuseDevelopmentKeyOffLoopback(config);
  // Before the database driver and the app: the instrumentations patch what loads after them.
  const tracing = await startTracing(config.tracingEndpoint);
  const authority = await createAuthority({ config, ...(options.clock ? { clock: options.clock } : {}) });
  let started: FastifyInstance | undefined;
  try {
    const { app } = await buildApp(authority, {
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      ...(tracing ? { plugins: [tracing.fastifyPlugin] } : {}),
    });
    started = app;
    await listen(app, config);
    // Before this, admin requests find no key and are refused: nothing is lost by waiting.
    const bootstrap = await authority.bootstrap();
    // Webhook deliveries start with the server (the CLI and tests drive them with runOnce()).
    authority.webhooks.start();
    authority.jobs.scheduler.start(config.jobsIntervalMs);
    // On PostgreSQL the hot reads remembered in memory hear other instances' changes through
    // this instance's feed (db/change-gate.ts): read the change log from now on, not from the
    // first verifier's connection.
    if (config.hotReadCache && authority.database.kind === "postgres") await authority.feed.start();
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
        await tracing?.shutdown();
      },
    };
  } catch (error) {
    await started?.close();
    await authority.close();
    await tracing?.shutdown();
    throw error;
  }
}

/** Listens, turning a taken port or address into an error that says what to change. */
async function listen(app: FastifyInstance, config: TesseraConfig): Promise<void> {
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") {
      throw new TesseraError(
        "address_in_use",
        `port ${config.port} is in use on ${config.host}: set TESSERA_PORT or --port (nothing was created)`,
        { cause: error },
      );
    }
    if (code === "EADDRNOTAVAIL" || code === "EACCES") {
      throw new TesseraError(
        "address_in_use",
        `cannot listen on ${config.host}:${config.port} (${code}): set TESSERA_HOST / TESSERA_PORT or --host / --port`,
        { cause: error },
      );
    }
    throw error;
  }
}

/** 127.0.0.0/8, ::1 and localhost: only this machine can connect. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "").toLowerCase();
  return bare === "localhost" || bare === "::1" || /^127(\.\d{1,3}){3}$/.test(bare) || bare === "::ffff:127.0.0.1";
}

/**
 * The development master key is public: anyone holding the database could forge access tokens.
 * Acceptable on a developer's loopback; reachable from elsewhere, it is refused before anything
 * is created.
 */
function refuseDevelopmentKeyOffLoopback(config: TesseraConfig): void {
  if (!config.masterKey.development || isLoopbackHost(config.host)) return;
  throw validationFailed(
    `refusing to listen on ${config.host} with the public development master key: set TESSERA_MASTER_KEY ` +
      "(base64 of 32 random bytes, e.g. from `openssl rand -base64 32`) or TESSERA_MASTER_KEY_FILE, or listen on 127.0.0.1",
    { field: "TESSERA_MASTER_KEY" },
  );
}
