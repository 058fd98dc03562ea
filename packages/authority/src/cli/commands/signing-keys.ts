import type { Command } from "commander";
import type { SigningKeyView } from "../../oauth/index.js";
import type { CommandContext } from "../context.js";
import { json, table } from "../output.js";

export function registerSigningKeys(program: Command, ctx: CommandContext): void {
  const signingKeys = program
    .command("signing-keys")
    .description("list, rotate and retire the keys that sign OAuth access tokens (admin scope signing-keys:write)");

  signingKeys
    .command("list")
    .description("list signing keys and their states (next, current, retiring, retired)")
    .action(async () => {
      const page = await ctx.client().request<{ items: SigningKeyView[] }>("GET", "/v1/signing-keys");
      if (ctx.globals().json) return ctx.io.out(json(page));
      ctx.io.out(
        table(
          page.items.map((k) => ({
            kid: k.kid,
            state: k.emergency ? `${k.state} (emergency)` : k.state,
            "signs from": k.notBefore,
            "retire at": k.retiredAt ?? k.retireAt ?? "-",
          })),
          ["kid", "state", "signs from", "retire at"],
        ),
      );
    });

  signingKeys
    .command("rotate")
    .description("publish a new key now; it signs after the publication delay, and the old key retires later")
    .option("-r, --reason <text>", "why: kept in the audit trail")
    .action(async (opts: { reason?: string }) => {
      const result = await ctx
        .client()
        .request<{ kid: string; notBefore: string }>(
          "POST",
          "/v1/signing-keys/rotate",
          opts.reason ? { reason: opts.reason } : {},
        );
      if (ctx.globals().json) return ctx.io.out(json(result));
      ctx.io.out(`published ${result.kid}; it signs from ${result.notBefore}\n`);
    });

  signingKeys
    .command("retire <kid>")
    .description("retire a key; with --emergency, every token it signed is invalid at once")
    .requiredOption("-r, --reason <text>", "why: kept in the audit trail")
    .option("--emergency", "invalidate every token the key signed, now (a fresh key signs from now on)")
    .requiredOption("--otp <code>", "a current TOTP code (or a recovery code) of your principal: step-up")
    .requiredOption("--justification <text>", "why this is needed: kept in the audit trail with the step-up")
    .addHelpText(
      "after",
      "\nExample:\n  tessera signing-keys retire 3q2+7w... --emergency --reason 'key material exposed' \\\n    --otp 123456 --justification 'INC-42: private key found in a backup'\n",
    )
    .action(async (kid: string, opts: { reason: string; emergency?: boolean; otp: string; justification: string }) => {
      const result = await ctx
        .client()
        .request<{ kid: string; retiredAt: string | null; retireAt: string | null; replacement: string | null }>(
          "POST",
          `/v1/signing-keys/${encodeURIComponent(kid)}/retire`,
          {
            reason: opts.reason,
            emergency: opts.emergency === true,
            stepUp: { otp: opts.otp, justification: opts.justification },
          },
        );
      if (ctx.globals().json) return ctx.io.out(json(result));
      ctx.io.out(
        result.retiredAt
          ? `retired ${result.kid} at ${result.retiredAt}${result.replacement ? `; ${result.replacement} signs from now` : ""}\n`
          : `${result.kid} no longer signs; it retires at ${result.retireAt}\n`,
      );
    });
}
