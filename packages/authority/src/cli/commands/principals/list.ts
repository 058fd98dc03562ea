import type { Command } from "commander";
import type { PrincipalView } from "../../../domain/keys.js";
import type { CommandContext } from "../../context.js";
import { json, table } from "../../output.js";

export function listPrincipalsCommand(principals: Command, ctx: CommandContext): Command {
  return principals
    .command("list")
    .description("list principals (newest first)")
    .option("--owner <owner>", "only this owner's")
    .option("--kind <kind>", "user | service | app")
    .option("--status <status>", "active | disabled")
    .option("--limit <n>", "page size (1-1000)", "100")
    .option("--cursor <cursor>", "continue from a previous page")
    .action(async (opts: Record<string, string | undefined>) => {
      const params = new URLSearchParams();
      for (const name of ["owner", "kind", "status", "limit", "cursor"]) {
        const value = opts[name];
        if (value !== undefined) params.set(name, value);
      }
      const page = await ctx
        .client()
        .request<{ items: PrincipalView[]; nextCursor: string | null }>("GET", `/v1/principals?${params}`);
      if (ctx.globals().json) return ctx.io.out(json(page));
      ctx.io.out(
        table(
          page.items.map((p) => ({
            id: p.id,
            name: p.name,
            kind: p.kind,
            owner: p.owner,
            status: p.status,
            scopes: p.allowedScopes.join(","),
          })),
          ["id", "name", "kind", "owner", "status", "scopes"],
        ),
      );
      if (page.nextCursor) ctx.io.out(`more: --cursor ${page.nextCursor}\n`);
    });
}
