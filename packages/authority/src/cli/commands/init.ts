import type { Command } from "commander";
import type { CommandContext } from "../context.js";
import { json } from "../output.js";
import { rootKeyBanner } from "../root-key-file.js";

export function registerInit(program: Command, ctx: CommandContext): void {
  program
    .command("init")
    .description("create the database and the root admin key (works on the database directly)")
    .option("-d, --database-url <url>", "SQLite path or postgres:// URL (TESSERA_DATABASE_URL)")
    .option("--new-root-key", "issue another root admin key even if one exists (recovery)")
    .action(async (opts: { databaseUrl?: string; newRootKey?: boolean }) => {
      // Loaded here: the database and the authority are heavy, and only this command needs them.
      const [{ createAuthority }, { loadConfig }, { redactDatabaseUrl }] = await Promise.all([
        import("../../authority.js"),
        import("../../config.js"),
        import("../../db/database.js"),
      ]);
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
