/**
 * `tessera webhooks`: register, list, show, remove, rotate, test endpoints and read their
 * delivery log, through the admin API. The signing secret is printed once, by `add` and
 * `rotate-secret`.
 */
import type { Command } from "commander";
import type { DeliveryView, WebhookView } from "../../webhooks/views.js";
import { type CommandContext, collect, duration } from "../context.js";
import { block, json, table } from "../output.js";

function webhookBlock(w: WebhookView): string {
  return block([
    ["id", w.id],
    ["url", w.url],
    ["owner", w.owner ?? "(every owner)"],
    ["events", w.events],
    ["status", w.status],
    ["description", w.description || null],
    ["created", `${w.createdAt} by ${w.createdBy}`],
    ...(w.previousSecretUntil ? ([["old secret signs until", w.previousSecretUntil]] as [string, unknown][]) : []),
    ...(w.disabledAt ? ([["disabled", `${w.disabledAt}: ${w.disabledReason ?? "-"}`]] as [string, unknown][]) : []),
  ]);
}

const secretNote = (secret: string) =>
  `\nsigning secret (shown once, store it in the receiver): ${secret}\n` +
  "verify each delivery's Tessera-Signature with it: see docs/webhooks.md\n";

const path = (id: string, rest = "") => `/v1/webhooks/${encodeURIComponent(id)}${rest}`;

function addWebhookCommand(webhooks: Command, ctx: CommandContext): void {
  webhooks
    .command("add <url>")
    .description("register an endpoint (https, or http to a loopback address); prints its signing secret once")
    .requiredOption("-e, --event <event>", "an event, prefix.* or * (repeat, or comma-separate)", collect, [])
    .option("-o, --owner <owner>", "only events about this owner's principals")
    .option("-d, --description <text>", "what it is for")
    .addHelpText(
      "after",
      "\nExample:\n  tessera webhooks add https://hooks.example.com/tessera --owner payments --event 'key.*' --event leak.reported\n",
    )
    .action(async (url: string, opts: { event: string[]; owner?: string; description?: string }) => {
      const created = await ctx.client().request<{ webhook: WebhookView; secret: string }>("POST", "/v1/webhooks", {
        url,
        events: opts.event,
        ...(opts.owner !== undefined ? { owner: opts.owner } : {}),
        ...(opts.description !== undefined ? { description: opts.description } : {}),
      });
      if (ctx.globals().json) return ctx.io.out(json(created));
      ctx.io.out(webhookBlock(created.webhook) + secretNote(created.secret));
    });
}

function listWebhookCommand(webhooks: Command, ctx: CommandContext): void {
  webhooks
    .command("list")
    .description("list endpoints (newest first)")
    .option("--owner <owner>", "only this owner's")
    .option("--status <status>", "active | disabled")
    .option("--limit <n>", "page size (1-1000)", "100")
    .option("--cursor <cursor>", "continue from a previous page")
    .action(async (opts: Record<string, string | undefined>) => {
      const params = new URLSearchParams();
      for (const name of ["owner", "status", "limit", "cursor"]) {
        const value = opts[name];
        if (value !== undefined) params.set(name, value);
      }
      const page = await ctx
        .client()
        .request<{ items: WebhookView[]; nextCursor: string | null }>("GET", `/v1/webhooks?${params}`);
      if (ctx.globals().json) return ctx.io.out(json(page));
      ctx.io.out(
        table(
          page.items.map((w) => ({
            id: w.id,
            status: w.status,
            owner: w.owner ?? "*",
            events: w.events.join(","),
            url: w.url,
          })),
          ["id", "status", "owner", "events", "url"],
        ),
      );
      if (page.nextCursor) ctx.io.out(`more: --cursor ${page.nextCursor}\n`);
    });
}

function showWebhookCommand(webhooks: Command, ctx: CommandContext): void {
  webhooks
    .command("show <id>")
    .description("show one endpoint (never its secret)")
    .action(async (id: string) => {
      const webhook = await ctx.client().request<WebhookView>("GET", path(id));
      ctx.io.out(ctx.globals().json ? json(webhook) : webhookBlock(webhook));
    });
}

function removeWebhookCommand(webhooks: Command, ctx: CommandContext): void {
  webhooks
    .command("remove <id>")
    .description("disable an endpoint; what is queued for it is cancelled")
    .option("-r, --reason <text>", "why: kept in the audit trail")
    .action(async (id: string, opts: { reason?: string }) => {
      const query = opts.reason ? `?${new URLSearchParams({ reason: opts.reason })}` : "";
      const webhook = await ctx.client().request<WebhookView>("DELETE", path(id, query));
      ctx.io.out(ctx.globals().json ? json(webhook) : `disabled ${webhook.id}\n`);
    });
}

function rotateSecretWebhookCommand(webhooks: Command, ctx: CommandContext): void {
  webhooks
    .command("rotate-secret <id>")
    .description("a new signing secret, printed once; the old one also signs for a grace window")
    .option("--grace <duration>", "how long the old secret keeps signing, e.g. 24h", duration)
    .action(async (id: string, opts: { grace?: string }) => {
      const rotated = await ctx
        .client()
        .request<{ webhook: WebhookView; secret: string }>(
          "POST",
          path(id, "/rotate-secret"),
          opts.grace ? { grace: opts.grace } : {},
        );
      if (ctx.globals().json) return ctx.io.out(json(rotated));
      ctx.io.out(webhookBlock(rotated.webhook) + secretNote(rotated.secret));
    });
}

function deliveriesWebhookCommand(webhooks: Command, ctx: CommandContext): void {
  webhooks
    .command("deliveries <id>")
    .description("the delivery log: each event's status, attempts, last error, next attempt")
    .option("--status <status>", "pending | delivered | failed | cancelled")
    .option("--limit <n>", "page size (1-1000)", "100")
    .option("--cursor <cursor>", "continue from a previous page")
    .action(async (id: string, opts: Record<string, string | undefined>) => {
      const params = new URLSearchParams();
      for (const name of ["status", "limit", "cursor"]) {
        const value = opts[name];
        if (value !== undefined) params.set(name, value);
      }
      const page = await ctx
        .client()
        .request<{ items: DeliveryView[]; nextCursor: string | null }>("GET", path(id, `/deliveries?${params}`));
      if (ctx.globals().json) return ctx.io.out(json(page));
      ctx.io.out(
        table(
          page.items.map((d) => ({
            event: d.eventId,
            type: d.eventType,
            status: d.status,
            attempts: String(d.attempts),
            last: d.lastStatusCode !== null ? String(d.lastStatusCode) : (d.lastError ?? "-"),
            next: d.nextAttemptAt ?? "-",
          })),
          ["event", "type", "status", "attempts", "last", "next"],
        ),
      );
      if (page.nextCursor) ctx.io.out(`more: --cursor ${page.nextCursor}\n`);
    });
}

function testWebhookCommand(webhooks: Command, ctx: CommandContext): void {
  webhooks
    .command("test <id>")
    .description("send a signed webhook.test event to the endpoint")
    .action(async (id: string) => {
      const delivery = await ctx.client().request<DeliveryView>("POST", path(id, "/test"), {});
      if (ctx.globals().json) return ctx.io.out(json(delivery));
      ctx.io.out(
        `queued ${delivery.eventId} (delivery ${delivery.id}); see: tessera webhooks deliveries ${delivery.webhookId}\n`,
      );
    });
}

export function registerWebhooks(program: Command, ctx: CommandContext): void {
  const webhooks = program.command("webhooks").description("signed event deliveries to your endpoints");
  for (const add of [
    addWebhookCommand,
    listWebhookCommand,
    showWebhookCommand,
    removeWebhookCommand,
    rotateSecretWebhookCommand,
    deliveriesWebhookCommand,
    testWebhookCommand,
  ])
    add(webhooks, ctx);
}
