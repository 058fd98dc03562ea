import { loadConfig, type TesseraConfig, unknownVariableWarnings } from "../../config.js";
import { developmentMasterKeyWarning } from "../../crypto/master-key.js";
import { redactDatabaseUrl } from "../../db/database.js";
import { type RunningAuthority, startAuthority } from "../../server.js";
import type { CommandContext } from "../context.js";
import { rootKeyBanner, rootKeyFileNotice, rootKeyFilePath, writeRootKeyFile } from "../root-key-file.js";

export interface ServeOptions {
  port?: string;
  host?: string;
  databaseUrl?: string;
  issuer?: string;
}

/** `tessera serve`: loaded only when it runs, so other commands do not pay for the server's modules. */
export async function runServe(ctx: CommandContext, opts: ServeOptions): Promise<void> {
  const { io } = ctx;
  for (const warning of unknownVariableWarnings(io.env)) io.err(`warning: ${warning}\n`);
  const config = loadConfig(io.env, flagOverrides(opts));
  const running = await startAuthority(config);
  const warning = developmentMasterKeyWarning(config.masterKey);
  if (warning) {
    io.err(`\n*** WARNING: ${warning} ***\n\n`);
    running.app.log.warn(warning);
  }
  // Signing keys are generated on first start (and retired on schedule from here on).
  await running.authority.oauth.signingKeys.ensure();
  io.err(`tessera authority listening on ${running.url}\n`);
  io.err(`database: ${running.authority.database.kind} ${redactDatabaseUrl(running.authority.database.location)}\n`);
  showRootKey(ctx, config, running);
  await new Promise<void>((resolve) => {
    const stop = () => {
      io.err("shutting down...\n");
      running.close().then(resolve, resolve);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}

function flagOverrides(opts: ServeOptions): Partial<TesseraConfig> {
  return {
    ...(opts.port !== undefined ? { port: Number(opts.port) } : {}),
    ...(opts.host !== undefined ? { host: opts.host } : {}),
    ...(opts.databaseUrl !== undefined ? { databaseUrl: opts.databaseUrl } : {}),
    ...(opts.issuer !== undefined ? { issuer: opts.issuer } : {}),
  };
}

/** A new root key: shown on a terminal, else written to a 0600 file (never to a log stream). */
export function showRootKey(ctx: CommandContext, config: TesseraConfig, running: RunningAuthority): void {
  const { io } = ctx;
  const rootKey = running.bootstrap.rootKey;
  if (!rootKey) {
    io.err("admin: use an existing admin key (TESSERA_ADMIN_KEY); lost it? tessera init --new-root-key\n");
  } else if (io.isTTY) {
    io.out(rootKeyBanner(rootKey));
  } else {
    const path = writeRootKeyFile(rootKeyFilePath(config.rootKeyFile, running.authority.database), rootKey);
    io.out(rootKeyFileNotice(path));
  }
}
