import type { Command } from "commander";
import { createAuthority } from "../../authority.js";
import { loadConfig } from "../../config.js";
import { redactDatabaseUrl } from "../../db/database.js";
import type { CommandContext } from "../context.js";
import { json } from "../output.js";

export function rootKeyBanner(rootKey: { id: string; secret: string; expiresAt: string | null }): string {
  return [
    "",
    "================================================================================",
    " Root admin key (shown once, never stored or logged: put it in a secret manager)",
    "",
    `   ${rootKey.secret}`,
    "",
    ` key id: ${rootKey.id}   expires: ${rootKey.expiresAt ?? "never"}`,
    " Use it:  export TESSERA_ADMIN_KEY=<the key above>",
    "          tessera principals add --name my-service --owner my-team --scope orders:read",
    "================================================================================",
    "",
  ].join("\n");
}

export function registerInit(program: Command, ctx: CommandContext): void {
  program
    .command("init")
    .description("create the database and the root admin key (works on the database directly)")
    .option("-d, --database-url <url>", "SQLite path or postgres:// URL (TESSERA_DATABASE_URL)")
    .option("--new-root-key", "issue another root admin key even if one exists (recovery)")
    .action(async (opts: { databaseUrl?: string; newRootKey?: boolean }) => {
      const config = loadConfig(ctx.io.env, opts.databaseUrl ? { databaseUrl: opts.databaseUrl } : {});
      const authority = await createAuthority({ config });
      try {
        const result = await authority.bootstrap({ newKey: Boolean(opts.newRootKey) });
        const where = `${authority.database.kind} ${redactDatabaseUrl(authority.database.location)}`;
        if (ctx.globals().json) {
          ctx.io.out(json({ database: where, ...result }));
        } else if (result.rootKey) {
          ctx.io.err(`database: ${where}\n`);
          ctx.io.out(rootKeyBanner(result.rootKey));
        } else {
          ctx.io.out(`already initialised (${where}); root principal ${result.principalId}.\n`);
          ctx.io.out("Use --new-root-key to issue another root admin key.\n");
        }
      } finally {
        await authority.close();
      }
    });
}
