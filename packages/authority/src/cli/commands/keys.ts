import type { Command } from "commander";
import type { KeyView } from "../../domain/keys.js";
import { formatReceipt } from "../../feed/receipt-text.js";
import type { Receipt } from "../../feed/receipts.js";
import { type CommandContext, collect, duration } from "../context.js";
import { block, json, table } from "../output.js";
import { resumeKeyCommand, suspendKeyCommand } from "./keys-suspension.js";
import { keyUsageCommand } from "./keys-usage.js";

function keyBlock(key: KeyView): string {
  return block([
    ["id", key.id],
    ["start", key.start],
    ["state", key.state],
    ["principal", key.principalId],
    ["scopes", key.scopes],
    ["audience", key.audience],
    ["description", key.description || null],
    ["created", `${key.createdAt} by ${key.createdBy}`],
    ["expires", key.expiresAt],
    ["last used", key.lastUsedAt ?? "never"],
    ...(key.revokedAt
      ? ([["revoked", `${key.revokedAt} by ${key.revokedBy}: ${key.revokedReason}`]] as [string, unknown][])
      : []),
    ...(key.replacedBy
      ? ([["replaced by", `${key.replacedBy} (grace until ${key.graceUntil})`]] as [string, unknown][])
      : []),
    ...(key.replaces ? ([["replaces", key.replaces]] as [string, unknown][]) : []),
    ...(key.suspendedAt
      ? ([
          [
            "suspended",
            `${key.suspendedAt} by ${key.suspendedBy}${key.suspendedVia ? ` (via ${key.suspendedVia})` : ""}: ${key.suspendedReason}`,
          ],
        ] as [string, unknown][])
      : []),
    ...(key.canary ? ([["canary", "yes: a decoy that grants nothing"]] as [string, unknown][]) : []),
  ]);
}

function secretBanner(secret: string): string {
  return `\nsecret (shown once, store it now):\n\n  ${secret}\n\n`;
}

function issueKeyCommand(keys: Command, ctx: CommandContext): void {
  keys
    .command("issue")
    .description("issue an API key for a principal; prints the secret once")
    .requiredOption("--principal <id>", "the principal that owns the key (prn_...)")
    .option(
      "-s, --scope <scope>",
      "a scope (repeat, or comma-separate); within the principal's allowance; required unless --canary",
      collect,
    )
    .option("--canary", "issue a canary: a decoy that grants nothing, whose use is reported at once")
    .option("--audience <aud>", "the service the key is meant for")
    .option("--expires-in <duration>", "lifetime, e.g. 30d (default and maximum set by policy)", duration)
    .option("--description <text>", "what the key is for")
    .option("--metadata <json>", "a JSON object of labels")
    .addHelpText(
      "after",
      "\nExamples:\n  tessera keys issue --principal prn_... --scope orders:read --expires-in 30d --description 'checkout'\n" +
        "  tessera keys issue --principal prn_... --canary --description 'decoy in the CI secrets'\n",
    )
    .action(
      async (opts: {
        principal: string;
        scope?: string[];
        canary?: boolean;
        audience?: string;
        expiresIn?: string;
        description?: string;
        metadata?: string;
      }) => {
        const body = {
          principalId: opts.principal,
          ...(opts.scope ? { scopes: opts.scope } : {}),
          ...(opts.canary ? { canary: true } : {}),
          ...(opts.audience ? { audience: opts.audience } : {}),
          ...(opts.expiresIn ? { expiresIn: opts.expiresIn } : {}),
          ...(opts.description ? { description: opts.description } : {}),
          ...(opts.metadata ? { metadata: JSON.parse(opts.metadata) as Record<string, unknown> } : {}),
        };
        const issued = await ctx
          .client()
          .request<{ key: KeyView; secret: string; sequence: number }>("POST", "/v1/keys", body);
        if (ctx.globals().json) return ctx.io.out(json(issued));
        ctx.io.out(keyBlock(issued.key) + secretBanner(issued.secret));
      },
    );
}

function listKeyCommand(keys: Command, ctx: CommandContext): void {
  keys
    .command("list")
    .description("list and search keys (newest first)")
    .option("--principal <id>", "keys of this principal")
    .option("--owner <owner>", "keys of principals with this owner")
    .option("--scope <scope>", "keys carrying this scope")
    .option("--state <state>", "active | deprecated | suspended | revoked | expired")
    .option("--canary", "only canary keys")
    .option("--expiring-within <duration>", "live keys expiring within, e.g. 7d", duration)
    .option("--last-used-before <date>", "keys last used before this ISO date")
    .option("--never-used", "keys never used")
    .option("--limit <n>", "page size (1-1000)", "100")
    .option("--cursor <cursor>", "continue from a previous page")
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      const params = new URLSearchParams();
      const map: Record<string, string> = {
        principal: "principalId",
        owner: "owner",
        scope: "scope",
        state: "state",
        expiringWithin: "expiringWithin",
        lastUsedBefore: "lastUsedBefore",
        limit: "limit",
        cursor: "cursor",
      };
      for (const [opt, param] of Object.entries(map)) {
        const value = opts[opt];
        if (typeof value === "string") params.set(param, value);
      }
      if (opts.neverUsed) params.set("neverUsed", "true");
      if (opts.canary) params.set("canary", "true");
      const page = await ctx
        .client()
        .request<{ items: KeyView[]; nextCursor: string | null }>("GET", `/v1/keys?${params}`);
      if (ctx.globals().json) return ctx.io.out(json(page));
      ctx.io.out(
        table(
          page.items.map((k) => ({
            id: k.id,
            start: k.start,
            state: k.state,
            principal: k.principalId,
            scopes: k.scopes.join(","),
            expires: k.expiresAt?.slice(0, 10) ?? "never",
            "last used": k.lastUsedAt?.slice(0, 16) ?? "never",
          })),
          ["id", "start", "state", "principal", "scopes", "expires", "last used"],
        ),
      );
      if (page.nextCursor) ctx.io.out(`more: --cursor ${page.nextCursor}\n`);
    });
}

function showKeyCommand(keys: Command, ctx: CommandContext): void {
  keys
    .command("show <id>")
    .description("show one key (never its secret)")
    .action(async (id: string) => {
      const key = await ctx.client().request<KeyView>("GET", `/v1/keys/${encodeURIComponent(id)}`);
      ctx.io.out(ctx.globals().json ? json(key) : keyBlock(key));
    });
}

function revokeKeyCommand(keys: Command, ctx: CommandContext): void {
  keys
    .command("revoke <id>")
    .description("revoke a key now (idempotent)")
    .requiredOption("-r, --reason <text>", "why: kept in the audit trail")
    .option(
      "--wait <duration>",
      "wait for connected verifiers to confirm, at most this long (max 30s; 0s: no wait)",
      duration,
      "5s",
    )
    .action(async (id: string, opts: { reason: string; wait: string }) => {
      const result = await ctx
        .client()
        .request<{ key: KeyView; changed: boolean; sequence: number | null; receipt: Receipt | null }>(
          "POST",
          `/v1/keys/${encodeURIComponent(id)}/revoke?wait=${encodeURIComponent(opts.wait)}`,
          {
            reason: opts.reason,
          },
        );
      if (ctx.globals().json) return ctx.io.out(json(result));
      ctx.io.out(
        result.changed
          ? `revoked ${result.key.id} (${result.key.start}) at ${result.key.revokedAt}, change #${result.sequence}\n`
          : `${result.key.id} was already revoked at ${result.key.revokedAt}: ${result.key.revokedReason}\n`,
      );
      if (result.receipt) ctx.io.out(formatReceipt(result.receipt));
    });
}

function rotateKeyCommand(keys: Command, ctx: CommandContext): void {
  keys
    .command("rotate <id>")
    .description("issue a replacement; the old key stays valid, deprecated, for a grace window")
    .option("-s, --scope <scope>", "narrow the replacement to these scopes (default: the same)", collect)
    .option("--grace <duration>", "how long the old key keeps working (default 24h)", duration)
    .option("--expires-in <duration>", "lifetime of the replacement", duration)
    .option("--rollback", "instead: roll back the rotation of this key while the grace window is open")
    .action(async (id: string, opts: { scope?: string[]; grace?: string; expiresIn?: string; rollback?: boolean }) => {
      const path = `/v1/keys/${encodeURIComponent(id)}`;
      if (opts.rollback) {
        const result = await ctx
          .client()
          .request<{ restored: KeyView; revokedReplacement: KeyView }>("POST", `${path}/rollback`, {});
        if (ctx.globals().json) return ctx.io.out(json(result));
        ctx.io.out(
          `restored ${result.restored.id} (active until ${result.restored.expiresAt}); revoked replacement ${result.revokedReplacement.id}\n`,
        );
        return;
      }
      const body = {
        ...(opts.scope ? { scopes: opts.scope } : {}),
        ...(opts.grace ? { grace: opts.grace } : {}),
        ...(opts.expiresIn ? { expiresIn: opts.expiresIn } : {}),
      };
      const result = await ctx
        .client()
        .request<{ previous: KeyView; replacement: KeyView; secret: string }>("POST", `${path}/rotate`, body);
      if (ctx.globals().json) return ctx.io.out(json(result));
      ctx.io.out(
        `rotated ${result.previous.id}: deprecated, valid until ${result.previous.graceUntil}\n` +
          `replacement:\n${keyBlock(result.replacement)}${secretBanner(result.secret)}` +
          `roll back before the grace window ends with: tessera keys rotate ${result.previous.id} --rollback\n`,
      );
    });
}

export function registerKeys(program: Command, ctx: CommandContext): void {
  const keys = program
    .command("keys")
    .description("issue, list, show, revoke, suspend, resume and rotate API keys, and see their usage");
  for (const add of [
    issueKeyCommand,
    listKeyCommand,
    showKeyCommand,
    revokeKeyCommand,
    suspendKeyCommand,
    resumeKeyCommand,
    rotateKeyCommand,
    keyUsageCommand,
  ])
    add(keys, ctx);
}
