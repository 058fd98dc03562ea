import type { Command } from "commander";
import type { PrincipalView } from "../../../domain/keys.js";
import { type CommandContext, collect } from "../../context.js";
import { json } from "../../output.js";
import { principalBlock } from "./view.js";

export function addPrincipalCommand(principals: Command, ctx: CommandContext): Command {
  return principals
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
}
