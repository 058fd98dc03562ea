import type { Command } from "commander";
import type { PrincipalView } from "../../domain/keys.js";
import { type CommandContext, collect } from "../context.js";
import { block, json, table } from "../output.js";

function principalBlock(p: PrincipalView): string {
  return block([
    ["id", p.id],
    ["name", p.name],
    ["kind", p.kind],
    ["owner", p.owner],
    ["status", p.status],
    ["allowed scopes", p.allowedScopes],
    ["created", `${p.createdAt} by ${p.createdBy}`],
    ...(p.disabledAt ? ([["disabled", `${p.disabledAt}: ${p.disabledReason}`]] as [string, unknown][]) : []),
  ]);
}

export function registerPrincipals(program: Command, ctx: CommandContext): void {
  const principals = program
    .command("principals")
    .description("add, list and disable principals (users, services, apps)");

  principals
    .command("add")
    .description("add a principal that can hold credentials")
    .requiredOption("-n, --name <name>", "unique name, e.g. checkout-service")
    .requiredOption("-o, --owner <owner>", "who answers for it: a team or a person")
    .option("-k, --kind <kind>", "user | service | app", "service")
    .option("-s, --scope <scope>", "a scope its credentials may carry (repeat, or comma-separate)", collect, [])
    .option("--metadata <json>", "a JSON object of labels")
    .addHelpText(
      "after",
      "\nExample:\n  tessera principals add --name checkout --owner payments-team --scope orders:read --scope orders:write\n",
    )
    .action(async (opts: { name: string; owner: string; kind: string; scope: string[]; metadata?: string }) => {
      const principal = await ctx.client().request<PrincipalView>("POST", "/v1/principals", {
        name: opts.name,
        owner: opts.owner,
        kind: opts.kind,
        allowedScopes: opts.scope,
        ...(opts.metadata ? { metadata: JSON.parse(opts.metadata) as Record<string, unknown> } : {}),
      });
      ctx.io.out(ctx.globals().json ? json(principal) : principalBlock(principal));
    });

  principals
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

  principals
    .command("show <id>")
    .description("show one principal")
    .action(async (id: string) => {
      const principal = await ctx.client().request<PrincipalView>("GET", `/v1/principals/${encodeURIComponent(id)}`);
      ctx.io.out(ctx.globals().json ? json(principal) : principalBlock(principal));
    });

  principals
    .command("disable <id>")
    .description("disable a principal and revoke every credential it holds, at once")
    .requiredOption("-r, --reason <text>", "why: kept in the audit trail")
    .action(async (id: string, opts: { reason: string }) => {
      const result = await ctx
        .client()
        .request<{ principal: PrincipalView; revokedKeyIds: string[]; sequence: number | null }>(
          "POST",
          `/v1/principals/${encodeURIComponent(id)}/disable`,
          { reason: opts.reason },
        );
      if (ctx.globals().json) return ctx.io.out(json(result));
      ctx.io.out(
        `disabled ${result.principal.id} (${result.principal.name}); revoked ${result.revokedKeyIds.length} key(s)\n`,
      );
    });
}
