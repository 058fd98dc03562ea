import type { Command } from "commander";
import type { TotpEnrolment, TotpStatus } from "../../stepup/service.js";
import type { CommandContext } from "../context.js";
import { block, json } from "../output.js";

function showStatus(ctx: CommandContext, status: TotpStatus): void {
  if (ctx.globals().json) {
    ctx.io.out(json(status));
    return;
  }
  ctx.io.out(
    block([
      ["status", status.status],
      ["created", status.createdAt],
      ["activated", status.activatedAt],
      ["last used", status.lastUsedAt],
      ["recovery codes left", status.recoveryCodesLeft],
    ]),
  );
}

export function registerTotp(program: Command, ctx: CommandContext): void {
  const totp = program
    .command("totp")
    .description(
      "the TOTP second factor of the admin key's own principal: step-up for dangerous actions (docs/step-up.md)",
    );

  totp
    .command("enrol")
    .alias("enroll")
    .description("start enrolment: prints the otpauth URI, the secret and 10 recovery codes, once")
    .action(async () => {
      const enrolment = await ctx.client().request<TotpEnrolment>("POST", "/v1/me/totp");
      if (ctx.globals().json) return ctx.io.out(json(enrolment));
      ctx.io.out(
        `Add this to your authenticator app (as a QR code, or type the secret):\n\n  ${enrolment.otpauthUri}\n\n` +
          `  secret: ${enrolment.secret}\n\n` +
          "Recovery codes (each works once in place of a code; store them offline):\n\n" +
          enrolment.recoveryCodes.map((c) => `  ${c}\n`).join("") +
          "\nThe secret and the recovery codes are shown once.\n" +
          "Then confirm with: tessera totp activate <code>\n",
      );
    });

  totp
    .command("activate <code>")
    .description("confirm the pending enrolment with a current code from the authenticator")
    .action(async (code: string) => {
      showStatus(ctx, await ctx.client().request<TotpStatus>("POST", "/v1/me/totp/activate", { otp: code }));
    });

  totp
    .command("status")
    .description("show whether TOTP is pending or active, and how many recovery codes are left")
    .action(async () => {
      showStatus(ctx, await ctx.client().request<TotpStatus>("GET", "/v1/me/totp"));
    });

  totp
    .command("remove <code>")
    .description("remove TOTP (and its recovery codes) with a current code or a recovery code")
    .action(async (code: string) => {
      showStatus(ctx, await ctx.client().request<TotpStatus>("DELETE", "/v1/me/totp", { otp: code }));
    });
}
