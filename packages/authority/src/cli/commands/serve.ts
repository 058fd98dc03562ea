import type { Command } from "commander";
import { loadConfig } from "../../config.js";
import { redactDatabaseUrl } from "../../db/database.js";
import { developmentMasterKeyWarning } from "../../oauth/master-key.js";
import { startAuthority } from "../../server.js";
import type { CommandContext } from "../context.js";
import { rootKeyBanner } from "./init.js";

export function registerServe(program: Command, ctx: CommandContext): void {
  program
    .command("serve")
    .description("run the authority (creates the database and the root admin key on first start)")
    .option("-p, --port <port>", "port to listen on (TESSERA_PORT, default 7070)")
    .option("-H, --host <host>", "address to listen on (TESSERA_HOST, default 127.0.0.1)")
    .option(
      "-d, --database-url <url>",
      "SQLite path or postgres:// URL (TESSERA_DATABASE_URL, default ./data/tessera.db)",
    )
    .option("--issuer <url>", "public URL of this authority (TESSERA_ISSUER)")
    .addHelpText(
      "after",
      "\nExamples:\n  tessera serve\n  TESSERA_DATABASE_URL=postgres://tessera@db/tessera tessera serve --host 0.0.0.0\n",
    )
    .action(async (opts: { port?: string; host?: string; databaseUrl?: string; issuer?: string }) => {
      const config = loadConfig(ctx.io.env, {
        ...(opts.port !== undefined ? { port: Number(opts.port) } : {}),
        ...(opts.host !== undefined ? { host: opts.host } : {}),
        ...(opts.databaseUrl !== undefined ? { databaseUrl: opts.databaseUrl } : {}),
        ...(opts.issuer !== undefined ? { issuer: opts.issuer } : {}),
      });
      const running = await startAuthority(config);
      const { io } = ctx;
      const warning = developmentMasterKeyWarning(config.masterKey);
      if (warning) {
        io.err(`\n*** WARNING: ${warning} ***\n\n`);
        running.app.log.warn(warning);
      }
      // Signing keys are generated on first start (and retired on schedule from here on).
      await running.authority.oauth.signingKeys.ensure();
      io.err(`tessera authority listening on ${running.url}\n`);
      io.err(
        `database: ${running.authority.database.kind} ${redactDatabaseUrl(running.authority.database.location)}\n`,
      );
      if (running.bootstrap.rootKey) {
        // Printed to the terminal once, never to the log.
        io.out(rootKeyBanner(running.bootstrap.rootKey));
      } else {
        io.err("admin: use an existing admin key (TESSERA_ADMIN_KEY); lost it? tessera init --new-root-key\n");
      }
      await new Promise<void>((resolve) => {
        const stop = () => {
          io.err("shutting down...\n");
          running.close().then(resolve, resolve);
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    });
}
