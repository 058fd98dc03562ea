/**
 * `tessera campaigns`: emergency rotation campaigns through the admin API. `status --watch`
 * polls and draws a progress bar on a terminal (a line per poll elsewhere) until the campaign
 * is finished or every old key is safe to retire.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import type { CampaignProgress } from "../../campaigns/progress.js";
import type { CampaignView } from "../../campaigns/view.js";
import { parseDuration } from "../../duration.js";
import { ApiError } from "../client.js";
import { type CommandContext, collect, duration, selectorFromOptions } from "../context.js";
import { block, json, table } from "../output.js";

interface StatusAnswer {
  campaign: CampaignView;
  progress: CampaignProgress | null;
}

const n = (value: number) => value.toLocaleString("en");

/** `[#####-----]  50% safe to retire (5,000/10,000) | replacements used 4,000 | old in use 12`. */
export function progressLine(progress: CampaignProgress, width = 30): string {
  const total = Math.max(progress.total, 1);
  const filled = Math.round((progress.safeToRetire / total) * width);
  const percent = Math.floor((progress.safeToRetire / total) * 100);
  return (
    `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${String(percent).padStart(3)}% safe to retire ` +
    `(${n(progress.safeToRetire)}/${n(progress.total)}) | replacements used ${n(progress.replacementUsed)} | ` +
    `old in use ${n(progress.oldInUse)}`
  );
}

function campaignBlock(c: CampaignView): string {
  return block([
    ["id", c.id],
    ["status", c.status],
    ["description", c.description],
    ["selector", c.selector],
    ["scopes", c.scopes ?? "(same as each old key)"],
    ["grace", c.grace],
    ["export recipients", c.exportRecipients],
    ["created", `${c.createdAt} by ${c.createdBy}`],
    ["executed", c.executedAt ? `${c.executedAt} by ${c.executedBy}` : null],
    ["grace until", c.graceUntil],
    ["keys", c.keys],
    ["finished", c.finishedAt ? `${c.finishedAt} by ${c.finishedBy}${c.forced ? " (forced)" : ""}` : null],
  ]);
}

/** `--recipient owner=path/to/public.jwk`, repeatable: each owner's public key, read from its file. */
function recipients(values: string[] | undefined): Record<string, unknown> | undefined {
  if (!values || values.length === 0) return undefined;
  const out: Record<string, unknown> = {};
  for (const value of values) {
    const at = value.indexOf("=");
    if (at <= 0) throw new Error(`--recipient ${value}: expected owner=path/to/public.jwk`);
    const owner = value.slice(0, at);
    const text = readFileSync(value.slice(at + 1), "utf8");
    try {
      out[owner] = JSON.parse(text);
    } catch {
      throw new Error(`--recipient ${owner}: the file is not a JSON JWK`);
    }
  }
  return out;
}

function stepUp(opts: { otp?: string; justification?: string }) {
  if (opts.otp === undefined || opts.justification === undefined) {
    throw new Error("this step needs step-up: --otp <code> and --justification <text>");
  }
  return { otp: opts.otp, justification: opts.justification };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const path = (id: string, rest = "") => `/v1/campaigns/${encodeURIComponent(id)}${rest}`;

function createCampaignCommand(campaigns: Command, ctx: CommandContext): void {
  campaigns
    .command("create")
    .description("a draft campaign over the active keys a selector matches (all criteria must match)")
    .requiredOption("-d, --description <text>", "why: kept in the audit trail")
    .option("--principal <id>", "keys of this principal")
    .option("--owner <owner>", "keys of principals with this owner")
    .option("--scope <scope>", "keys carrying this scope")
    .option("--created-before <date>", "keys created before this ISO date")
    .option("--created-after <date>", "keys created at or after this ISO date")
    .option("--all", "every active key (alone)")
    .option("--keep-scope <scope>", "replacements keep only these scopes of each old key (repeat)", collect)
    .option(
      "--grace <duration>",
      "how long old keys keep working after execution (default TESSERA_ROTATION_GRACE)",
      duration,
    )
    .option("--expires-in <duration>", "lifetime of the replacements", duration)
    .option("--recipient <owner=file>", "an owner's public JWK (X25519 or P-256) for its export file (repeat)", collect)
    .addHelpText(
      "after",
      "\nExample:\n  tessera campaigns create --scope billing:write --created-before 2026-11-01T00:00:00Z \\\n" +
        "    --description 'INC-42: CI logs leaked' --grace 24h --recipient payments=payments.pub.jwk\n",
    )
    .action(async (opts: Record<string, string | string[] | boolean | undefined>) => {
      const selector = selectorFromOptions(opts, { all: "all" });
      const exportRecipients = recipients(opts.recipient as string[] | undefined);
      const result = await ctx.client().request<{ campaign: CampaignView; selected: number }>("POST", "/v1/campaigns", {
        selector,
        description: opts.description,
        ...(opts.keepScope ? { scopes: opts.keepScope } : {}),
        ...(opts.grace ? { grace: opts.grace } : {}),
        ...(opts.expiresIn ? { expiresIn: opts.expiresIn } : {}),
        ...(exportRecipients ? { exportRecipients } : {}),
      });
      if (ctx.globals().json) return ctx.io.out(json(result));
      ctx.io.out(campaignBlock(result.campaign));
      ctx.io.out(
        `\n${n(result.selected)} key(s) selected now. Next: tessera campaigns dry-run ${result.campaign.id}\n`,
      );
    });
}

function listCampaignCommand(campaigns: Command, ctx: CommandContext): void {
  campaigns
    .command("list")
    .description("campaigns, newest first")
    .option("--status <status>", "draft, executed, finalized or rolled_back")
    .action(async (opts: { status?: string }) => {
      const query = opts.status ? `?status=${encodeURIComponent(opts.status)}` : "";
      const result = await ctx.client().request<{ items: CampaignView[] }>("GET", `/v1/campaigns${query}`);
      if (ctx.globals().json) return ctx.io.out(json(result));
      ctx.io.out(
        table(
          result.items.map((c) => ({
            id: c.id,
            status: c.status,
            keys: String(c.keys),
            created: c.createdAt,
            description: c.description.slice(0, 60),
          })),
          ["id", "status", "keys", "created", "description"],
        ),
      );
    });
}

function dryRunCampaignCommand(campaigns: Command, ctx: CommandContext): void {
  campaigns
    .command("dry-run <id>")
    .description("the blast radius of executing now: counts by owner, principal and scope, recent use")
    .action(async (id: string) => {
      const result = await ctx.client().request<{
        graceUntil: string;
        ownersWithoutRecipient: string[];
        blastRadius: {
          total: number;
          byOwner: { owner: string; keys: number }[];
          byPrincipal: { principalId: string; name: string; owner: string; keys: number }[];
          byScope: { scope: string; keys: number }[];
          recentlyUsed: { keys: number; since: string };
          neverUsed: number;
          truncated: boolean;
        };
      }>("GET", path(id, "/dry-run"));
      if (ctx.globals().json) return ctx.io.out(json(result));
      const r = result.blastRadius;
      ctx.io.out(
        `${n(r.total)} key(s) would be rotated; old keys keep working until ${result.graceUntil}.\n` +
          `${n(r.recentlyUsed.keys)} used since ${r.recentlyUsed.since} (their consumers need the new secret first); ${n(r.neverUsed)} never used.\n\n`,
      );
      const rows = (items: { keys: number }[], key: string, label: (i: never) => string) =>
        table(
          items.slice(0, 20).map((i) => ({ [key]: label(i as never), keys: n(i.keys) })),
          [key, "keys"],
        );
      ctx.io.out(rows(r.byOwner, "owner", (i: { owner: string }) => i.owner));
      ctx.io.out(
        `\n${rows(r.byPrincipal, "principal", (i: { principalId: string; name: string }) => `${i.name} (${i.principalId})`)}`,
      );
      ctx.io.out(`\n${rows(r.byScope, "scope", (i: { scope: string }) => i.scope)}`);
      if (r.byOwner.length > 20 || r.byPrincipal.length > 20 || r.byScope.length > 20) {
        ctx.io.out("(first 20 rows of each; --json for all)\n");
      }
      if (result.ownersWithoutRecipient.length > 0) {
        ctx.io.out(
          `\nno export recipient yet for: ${result.ownersWithoutRecipient.join(", ")} (execute --recipient owner=file, or a webhook endpoint)\n`,
        );
      }
    });
}

/**
 * The API names the recipients' field (exportRecipients); someone at the CLI types
 * --recipient owner=file, so its messages say that.
 */
async function inCliTerms<T>(request: Promise<T>): Promise<T> {
  try {
    return await request;
  } catch (error) {
    if (error instanceof ApiError) {
      throw new ApiError(
        error.status,
        error.code,
        error.message.replace(/\(exportRecipients\)/g, "(--recipient owner=path/to/public.jwk)"),
        error.requestId,
        error.details,
      );
    }
    throw error;
  }
}

function executeCampaignCommand(campaigns: Command, ctx: CommandContext): void {
  campaigns
    .command("execute <id>")
    .description("issue the replacements and deprecate the old keys (needs step-up)")
    .option("--recipient <owner=file>", "an owner's public JWK (X25519 or P-256) for its export file (repeat)", collect)
    .option("--otp <code>", "step-up: a current TOTP code (or a recovery code)")
    .option("--justification <text>", "step-up: why (recorded with the step)")
    .action(async (id: string, opts: { recipient?: string[]; otp?: string; justification?: string }) => {
      const exportRecipients = recipients(opts.recipient);
      const result = await inCliTerms(
        ctx.client().request<{
          campaign: CampaignView;
          sequence: number;
          distribution: {
            exports: { owner: string; keys: number }[];
            webhooks: { secrets: number; endpoints: number };
          };
        }>("POST", path(id, "/execute"), { ...(exportRecipients ? { exportRecipients } : {}), stepUp: stepUp(opts) }),
      );
      if (ctx.globals().json) return ctx.io.out(json(result));
      const d = result.distribution;
      ctx.io.out(
        `executed: ${n(result.campaign.keys)} replacement(s) issued, old keys deprecated until ${result.campaign.graceUntil} (change #${result.sequence})\n`,
      );
      for (const e of d.exports) {
        ctx.io.out(
          `  export file for ${e.owner}: ${n(e.keys)} key(s) (tessera campaigns export ${id} --owner ${e.owner} --out FILE)\n`,
        );
      }
      if (d.webhooks.secrets > 0) ctx.io.out(`  webhooks: ${n(d.webhooks.secrets)} secret(s) queued\n`);
    });
}

function statusCampaignCommand(campaigns: Command, ctx: CommandContext): void {
  campaigns
    .command("status <id>")
    .description("the campaign and its safe-to-retire progress")
    .option("-w, --watch", "poll until finished or every old key is safe to retire (a progress bar on a terminal)")
    .option("--interval <duration>", "poll interval with --watch", duration, "5s")
    .action(async (id: string, opts: { watch?: boolean; interval: string }) => {
      const interval = parseDuration(opts.interval, "--interval");
      const tty = ctx.io.isTTY && !ctx.globals().json;
      for (;;) {
        const status = await ctx.client().request<StatusAnswer>("GET", path(id));
        const done =
          status.campaign.status !== "executed" ||
          (status.progress !== null && status.progress.safeToRetire === status.progress.total);
        if (!opts.watch) {
          if (ctx.globals().json) return ctx.io.out(json(status));
          ctx.io.out(campaignBlock(status.campaign));
          if (status.progress) ctx.io.out(`\n${progressLine(status.progress)}\n`);
          return;
        }
        if (ctx.globals().json) ctx.io.out(`${JSON.stringify(status)}\n`);
        else if (status.progress) ctx.io.out(`${tty ? "\r" : ""}${progressLine(status.progress)}${tty ? "" : "\n"}`);
        if (done) {
          if (!ctx.globals().json) {
            ctx.io.out(
              `${tty ? "\n" : ""}campaign ${status.campaign.status}${status.campaign.status === "executed" ? ": every old key is safe to retire (tessera campaigns finalize)" : ""}\n`,
            );
          }
          return;
        }
        await sleep(interval);
      }
    });
}

function finalizeCampaignCommand(campaigns: Command, ctx: CommandContext): void {
  campaigns
    .command("finalize <id>")
    .description("revoke the old keys (needs step-up; refused while old keys are in use unless --force)")
    .option("--force", "revoke although old keys are still in use")
    .option("--otp <code>", "step-up: a current TOTP code (or a recovery code)")
    .option("--justification <text>", "step-up: why (recorded with the step)")
    .action(async (id: string, opts: { force?: boolean; otp?: string; justification?: string }) => {
      const result = await ctx
        .client()
        .request<{ campaign: CampaignView; revoked: number; sequence: number }>("POST", path(id, "/finalize"), {
          ...(opts.force ? { force: true } : {}),
          stepUp: stepUp(opts),
        });
      if (ctx.globals().json) return ctx.io.out(json(result));
      ctx.io.out(`finalized: ${n(result.revoked)} old key(s) revoked (change #${result.sequence})\n`);
    });
}

function rollbackCampaignCommand(campaigns: Command, ctx: CommandContext): void {
  campaigns
    .command("rollback <id>")
    .description("while the grace window is open: old keys active again, replacements revoked")
    .requiredOption("-r, --reason <text>", "why: kept in the audit trail")
    .option("--force", "roll back although replacements are already in use")
    .action(async (id: string, opts: { reason: string; force?: boolean }) => {
      const result = await ctx.client().request<{
        campaign: CampaignView;
        revoked: number;
        restored: number;
        sequence: number;
      }>("POST", path(id, "/rollback"), { reason: opts.reason, ...(opts.force ? { force: true } : {}) });
      if (ctx.globals().json) return ctx.io.out(json(result));
      ctx.io.out(
        `rolled back: ${n(result.restored)} old key(s) active again, ${n(result.revoked)} replacement(s) revoked (change #${result.sequence})\n`,
      );
    });
}

function exportCampaignCommand(campaigns: Command, ctx: CommandContext): void {
  campaigns
    .command("export <id>")
    .description("write an owner's encrypted export file (a JWE only the owner's private key opens); once")
    .requiredOption("--owner <owner>", "the owner whose new secrets to take")
    .requiredOption("-o, --out <file>", "where to write the JWE (created with mode 0600; never printed)")
    .action(async (id: string, opts: { owner: string; out: string }) => {
      // Checked first: the export is handed out once, so it must not be fetched and then lost.
      if (existsSync(opts.out)) throw new Error(`${opts.out} exists: choose a new file for the export`);
      const result = await ctx
        .client()
        .request<{ owner: string; keys: number; jwe: string }>(
          "GET",
          path(id, `/export?owner=${encodeURIComponent(opts.owner)}`),
        );
      writeFileSync(opts.out, result.jwe, { mode: 0o600, flag: "wx" });
      const summary = { campaignId: id, owner: result.owner, keys: result.keys, file: opts.out };
      if (ctx.globals().json) return ctx.io.out(json(summary));
      ctx.io.out(`wrote ${opts.out}: ${n(result.keys)} key(s) for ${result.owner}; the authority no longer holds it\n`);
    });
}

export function registerCampaigns(program: Command, ctx: CommandContext): void {
  const campaigns = program
    .command("campaigns")
    .description("emergency rotation campaigns: replace many keys at once, watch, finalize or roll back");
  for (const add of [
    createCampaignCommand,
    listCampaignCommand,
    dryRunCampaignCommand,
    executeCampaignCommand,
    statusCampaignCommand,
    finalizeCampaignCommand,
    rollbackCampaignCommand,
    exportCampaignCommand,
  ])
    add(campaigns, ctx);
}
