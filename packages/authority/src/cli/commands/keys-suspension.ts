/** `tessera keys suspend|resume`: reversible stops, with a receipt like `keys revoke`. */
import type { Command } from "commander";
import type { KeyView } from "../../domain/keys.js";
import { formatReceipt } from "../../feed/receipt-text.js";
import type { Receipt } from "../../feed/receipts.js";
import { type CommandContext, duration } from "../context.js";
import { json } from "../output.js";

interface SuspensionAnswer {
  key: KeyView;
  changed: boolean;
  sequence: number | null;
  receipt: Receipt | null;
}

function describe(action: "suspend" | "resume", result: SuspensionAnswer): string {
  const { key } = result;
  if (action === "resume") return `resumed ${key.id} (${key.start}): ${key.state}, change #${result.sequence}\n`;
  if (!result.changed) return `${key.id} was already suspended at ${key.suspendedAt}: ${key.suspendedReason}\n`;
  return result.sequence === null
    ? `${key.id} (${key.start}) is now suspended by itself (it was suspended through principal ${key.suspendedVia ?? "?"})\n`
    : `suspended ${key.id} (${key.start}) at ${key.suspendedAt}, change #${result.sequence}\n`;
}

function suspensionCommand(action: "suspend" | "resume", description: string, example: string) {
  return (keys: Command, ctx: CommandContext): Command =>
    keys
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
            `/v1/keys/${encodeURIComponent(id)}/${action}?wait=${encodeURIComponent(opts.wait)}`,
            { reason: opts.reason },
          );
        if (ctx.globals().json) return ctx.io.out(json(result));
        ctx.io.out(describe(action, result));
        if (result.receipt) ctx.io.out(formatReceipt(result.receipt));
      });
}

export const suspendKeyCommand = suspensionCommand(
  "suspend",
  "suspend a key: every verifier refuses it (reason suspended) until it is resumed",
  "tessera keys suspend key_... --reason 'traffic from an unknown network' --wait 5s",
);

export const resumeKeyCommand = suspensionCommand(
  "resume",
  "resume a suspended key: verifiers accept it again",
  "tessera keys resume key_... --reason 'confirmed with the owner'",
);
