/**
 * The shape `keys suspend|resume` and `principals suspend|resume` share: a reason, a wait for
 * verifiers' confirmations, the answer described in one line and its receipt.
 */
import type { Command } from "commander";
import { formatReceipt } from "../../feed/receipt-text.js";
import type { Receipt } from "../../feed/receipts.js";
import { type CommandContext, duration } from "../context.js";
import { json } from "../output.js";

export type SuspensionAction = "suspend" | "resume";

export interface SuspensionCommandSpec<Answer extends { receipt: Receipt | null }> {
  action: SuspensionAction;
  /** The resource's path without the action, e.g. `/v1/keys/key_...`. */
  pathOf: (id: string) => string;
  description: string;
  example: string;
  describe: (action: SuspensionAction, answer: Answer) => string;
}

export function suspensionCommand<Answer extends { receipt: Receipt | null }>(spec: SuspensionCommandSpec<Answer>) {
  return (parent: Command, ctx: CommandContext): Command =>
    parent
      .command(`${spec.action} <id>`)
      .description(spec.description)
      .requiredOption("-r, --reason <text>", "why: kept in the audit trail")
      .option(
        "--wait <duration>",
        "wait for connected verifiers to confirm, at most this long (max 30s; 0s: no wait)",
        duration,
        "5s",
      )
      .addHelpText("after", `\nExample:\n  ${spec.example}\n`)
      .action(async (id: string, opts: { reason: string; wait: string }) => {
        const answer = await ctx
          .client()
          .request<Answer>("POST", `${spec.pathOf(id)}/${spec.action}?wait=${encodeURIComponent(opts.wait)}`, {
            reason: opts.reason,
          });
        if (ctx.globals().json) return ctx.io.out(json(answer));
        ctx.io.out(spec.describe(spec.action, answer));
        if (answer.receipt) ctx.io.out(formatReceipt(answer.receipt));
      });
}
