/** `tessera keys usage <id>`: how a key has been used, from the usage store. */
import type { Command } from "commander";
import type { CommandContext } from "../context.js";
import { json, table } from "../output.js";

interface Seen {
  value: string;
  firstSeen: string;
  lastSeen: string;
  count: number;
}

interface KeyUsageAnswer {
  keyId: string;
  bucket: string;
  from: string;
  to: string;
  totals: Record<string, number>;
  series: { at: string; total: number }[];
  addresses: Seen[];
  networks: Seen[];
  userAgents: Seen[];
  routes: Seen[];
  dropped: Partial<Record<"addresses" | "networks" | "userAgents" | "routes", number>>;
}

const BARS = "▁▂▃▄▅▆▇█";

/** A one-line chart of the series (each bucket one character), for a terminal. */
export function sparkline(values: readonly number[]): string {
  const max = Math.max(0, ...values);
  if (max === 0) return BARS[0]?.repeat(values.length) ?? "";
  return values.map((v) => BARS[Math.min(BARS.length - 1, Math.floor((v / max) * (BARS.length - 1)))]).join("");
}

function seenTable(title: string, rows: Seen[], dropped: number | undefined): string {
  const more = dropped ? ` (and ${dropped} more not kept)` : "";
  const body = table(
    rows.map((r) => ({ value: r.value, count: String(r.count), "first seen": r.firstSeen, "last seen": r.lastSeen })),
    ["value", "count", "first seen", "last seen"],
  );
  return `\n${title}${more}:\n${body}`;
}

function describe(u: KeyUsageAnswer): string {
  const totals = Object.entries(u.totals)
    .sort(([, a], [, b]) => b - a)
    .map(([outcome, n]) => `${outcome} ${n}`)
    .join(", ");
  return (
    `${u.keyId}: ${u.from} to ${u.to}, by ${u.bucket}\n` +
    `verifications: ${totals || "none"}\n` +
    `${sparkline(u.series.map((p) => p.total))}\n` +
    seenTable("addresses", u.addresses, u.dropped.addresses) +
    seenTable("networks", u.networks, u.dropped.networks) +
    seenTable("user agents", u.userAgents, u.dropped.userAgents) +
    seenTable("routes", u.routes, u.dropped.routes)
  );
}

export function keyUsageCommand(keys: Command, ctx: CommandContext): void {
  keys
    .command("usage <id>")
    .description("how a key has been used: verifications by outcome, addresses, user agents, routes")
    .option("--from <time>", "ISO 8601 time or epoch ms (default: one span back from --to)")
    .option("--to <time>", "ISO 8601 time or epoch ms (default: now)")
    .option("--bucket <size>", "minute (last hour), hour (last day) or day (last 30 days)", "hour")
    .addHelpText(
      "after",
      "\nExamples:\n  tessera keys usage key_... --bucket minute\n  tessera keys usage key_... --bucket day --json\n",
    )
    .action(async (id: string, opts: { from?: string; to?: string; bucket: string }) => {
      const query = new URLSearchParams({ bucket: opts.bucket });
      if (opts.from) query.set("from", opts.from);
      if (opts.to) query.set("to", opts.to);
      const usage = await ctx
        .client()
        .request<KeyUsageAnswer>("GET", `/v1/keys/${encodeURIComponent(id)}/usage?${query}`);
      ctx.io.out(ctx.globals().json ? json(usage) : describe(usage));
    });
}
