import type { Command } from "commander";
import { formatReceipt } from "../../feed/receipt-text.js";
import type { Receipt } from "../../feed/receipts.js";
import type { CommandContext } from "../context.js";
import { json } from "../output.js";

/** `tessera receipts show <id>`: a revocation's receipt later, e.g. once slow verifiers confirmed. */
export function registerReceipts(program: Command, ctx: CommandContext): void {
  const receipts = program
    .command("receipts")
    .description("revocation receipts: which verifiers confirmed a revocation, and when");
  receipts
    .command("show <id>")
    .description("show a receipt as it stands now (the id is printed by revoke, e.g. rct_...)")
    .addHelpText("after", "\nExample:\n  tessera receipts show rct_...\n")
    .action(async (id: string) => {
      const receipt = await ctx.client().request<Receipt>("GET", `/v1/receipts/${encodeURIComponent(id)}`);
      ctx.io.out(ctx.globals().json ? json(receipt) : formatReceipt(receipt));
    });
}
