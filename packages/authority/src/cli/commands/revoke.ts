import type { Command } from "commander";
import { formatReceipt } from "../../feed/receipt-text.js";
import type { Receipt } from "../../feed/receipts.js";
import { type CommandContext, collect, duration, selectorFromOptions } from "../context.js";
import { json } from "../output.js";

export function registerRevoke(program: Command, ctx: CommandContext): void {
  program
    .command("revoke")
    .description("revoke every key a selector matches, in one request (all criteria must match)")
    .requiredOption("-r, --reason <text>", "why: kept in the audit trail")
    .option("--principal <id>", "keys of this principal")
    .option("--owner <owner>", "keys of principals with this owner")
    .option("--scope <scope>", "keys carrying this scope")
    .option("--created-before <date>", "keys created before this ISO date")
    .option("--created-after <date>", "keys created at or after this ISO date")
    .option("--starts-with <start>", "keys whose display start begins with this, e.g. tsk_AbCd")
    .option("--id <id>", "a key id (repeat, or comma-separate; at most 1,000)", collect)
    .option(
      "--wait <duration>",
      "wait for connected verifiers to confirm, at most this long (max 30s; 0s: no wait)",
      duration,
      "5s",
    )
    .option("--otp <code>", "step-up: a current TOTP code (or a recovery code), needed above the step-up threshold")
    .option("--justification <text>", "step-up: why this revocation is needed (recorded with it; required with --otp)")
    .addHelpText(
      "after",
      "\nExamples:\n  tessera revoke --owner contractor-x --reason 'contract ended'\n  tessera revoke --scope billing:write --created-before 2026-11-01T00:00:00Z --reason 'incident 42'\n" +
        "\nA selection of more keys than TESSERA_STEPUP_SELECTOR_THRESHOLD (100) needs step-up: the caller's TOTP\n" +
        "code and a justification (tessera totp enrol sets TOTP up):\n" +
        "  tessera revoke --owner contractor-x --reason 'contract ended' --otp 123456 --justification 'INC-42'\n",
    )
    .action(async (opts: Record<string, string | string[] | undefined>) => {
      const selector = selectorFromOptions(opts, { startsWith: "startsWith", id: "ids" });
      if (opts.otp !== undefined && opts.justification === undefined) {
        throw new Error("--otp needs --justification: say why (it is recorded with the revocation)");
      }
      if (opts.justification !== undefined && opts.otp === undefined) {
        throw new Error("--justification goes with --otp (step-up)");
      }
      const result = await ctx
        .client()
        .request<{ revoked: number; ids: string[]; sequence: number | null; receipt: Receipt | null }>(
          "POST",
          `/v1/revocations?wait=${encodeURIComponent(String(opts.wait ?? "5s"))}`,
          {
            selector,
            reason: opts.reason,
            ...(opts.otp !== undefined ? { stepUp: { otp: opts.otp, justification: opts.justification } } : {}),
          },
        );
      if (ctx.globals().json) return ctx.io.out(json(result));
      ctx.io.out(`revoked ${result.revoked} key(s)${result.sequence ? `, change #${result.sequence}` : ""}\n`);
      if (result.receipt) ctx.io.out(formatReceipt(result.receipt));
    });
}
