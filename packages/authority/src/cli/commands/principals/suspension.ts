import type { Command } from "commander";
import type { PrincipalView } from "../../../domain/keys.js";
import { formatReceipt } from "../../../feed/receipt-text.js";
import type { Receipt } from "../../../feed/receipts.js";
import { type CommandContext, duration } from "../../context.js";
import { json } from "../../output.js";

interface SuspensionAnswer {
  principal: PrincipalView;
  changed: boolean;
  keyIds: string[];
  sequence: number | null;
  receipt: Receipt | null;
}

function suspensionCommand(action: "suspend" | "resume", description: string, example: string) {
  return (principals: Command, ctx: CommandContext): Command =>
    principals
      .command(`${action} <id>`)
      .description(description)
      .requiredOption("-r, --reason <text>", "why: kept in the audit trail")
      .option(
        "--wait <duration>",
        "wait for connected verifiers to confirm, at most this long (max 30s; 0s: no wait)",
        duration,
        "5s",
      )
      .addHelpText("after", `\nExample:\n  ${example}\n`)
      .action(async (id: string, opts: { reason: string; wait: string }) => {
        const result = await ctx
          .client()
          .request<SuspensionAnswer>(
            "POST",
            `/v1/principals/${encodeURIComponent(id)}/${action}?wait=${encodeURIComponent(opts.wait)}`,
            { reason: opts.reason },
          );
        if (ctx.globals().json) return ctx.io.out(json(result));
        const { principal } = result;
        ctx.io.out(
          !result.changed
            ? `${principal.id} (${principal.name}) was already suspended at ${principal.suspendedAt}\n`
            : `${action === "suspend" ? "suspended" : "resumed"} ${principal.id} (${principal.name}); ${result.keyIds.length} key(s) ${action === "suspend" ? "suspended" : "resumed"}\n`,
        );
        if (result.receipt) ctx.io.out(formatReceipt(result.receipt));
      });
}

/** `tessera principals suspend <id>`: every key it holds suspended, reversibly. */
export const suspendPrincipalCommand = suspensionCommand(
  "suspend",
  "suspend a principal: every key it holds is refused until it is resumed (reversible)",
  "tessera principals suspend prn_... --reason 'investigating odd traffic'",
);

/** `tessera principals resume <id>`: the keys its suspension suspended verify again. */
export const resumePrincipalCommand = suspensionCommand(
  "resume",
  "resume a suspended principal: the keys its suspension suspended verify again (only those)",
  "tessera principals resume prn_... --reason 'cleared'",
);
