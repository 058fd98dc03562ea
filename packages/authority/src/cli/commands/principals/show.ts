import type { Command } from "commander";
import type { PrincipalView } from "../../../domain/keys.js";
import type { CommandContext } from "../../context.js";
import { json } from "../../output.js";
import { principalBlock } from "./view.js";

export function showPrincipalCommand(principals: Command, ctx: CommandContext): Command {
  return principals
    .command("show <id>")
    .description("show one principal")
    .action(async (id: string) => {
      const principal = await ctx.client().request<PrincipalView>("GET", `/v1/principals/${encodeURIComponent(id)}`);
      ctx.io.out(ctx.globals().json ? json(principal) : principalBlock(principal));
    });
}
