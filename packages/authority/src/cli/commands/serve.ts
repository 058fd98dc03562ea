import type { Command } from "commander";
import type { CommandContext } from "../context.js";
import type { ServeOptions } from "./serve.run.js";

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
      "\nExamples:\n  tessera serve\n" +
        "  TESSERA_MASTER_KEY_FILE=/run/secrets/master-key \\\n" +
        "  TESSERA_DATABASE_URL=postgres://tessera@db/tessera tessera serve --host 0.0.0.0\n" +
        "\nWhen stdout is not a terminal (a container), a new root admin key is written to a file\n" +
        "(mode 0600, TESSERA_ROOT_KEY_FILE) and only its path is printed.\n",
    )
    .action(async (opts: ServeOptions) => {
      const { runServe } = await import("./serve.run.js");
      await runServe(ctx, opts);
    });
}
