import type { Command } from "commander";
import type { PrincipalView } from "../../../domain/keys.js";
import { formatReceipt } from "../../../feed/receipt-text.js";
import type { Receipt } from "../../../feed/receipts.js";
import { type CommandContext, duration } from "../../context.js";
import { json } from "../../output.js";

interface DisableResult {
  principal: PrincipalView;
  revokedKeyIds: string[];
  sequence: number | null;
  receipt: Receipt | null;
}

export function disablePrincipalCommand(principals: Command, ctx: CommandContext): Command {
  return principals
    .command("disable <id>")
    .description("disable a principal and revoke every credential it holds, at once")
    .requiredOption("-r, --reason <text>", "why: kept in the audit trail")
    .option(
      "--wait <duration>",
      "wait for connected verifiers to confirm the revocations, at most this long (max 30s; 0s: no wait)",
      duration,
      "0s",
    )
    .addHelpText("after", "\nExample:\n  tessera principals disable prn_... --reason 'contractor left' --wait 5s\n")
    .action(async (id: string, opts: { reason: string; wait: string }) => {
      const result = await ctx
        .client()
        .request<DisableResult>(
          "POST",
          `/v1/principals/${encodeURIComponent(id)}/disable?wait=${encodeURIComponent(opts.wait)}`,
          { reason: opts.reason },
        );
      if (ctx.globals().json) return ctx.io.out(json(result));
      ctx.io.out(
        `disabled ${result.principal.id} (${result.principal.name}); revoked ${result.revokedKeyIds.length} key(s)\n`,
      );
      if (result.receipt) ctx.io.out(formatReceipt(result.receipt));
    });
}
