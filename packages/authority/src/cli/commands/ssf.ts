/**
 * `tessera ssf`: the Shared Signals receiver's trusted transmitters (add, list, remove) and the
 * transmitter's streams (list), through the admin API.
 */
import type { Command } from "commander";
import type { TransmitterView } from "../../ssf-receiver/index.js";
import type { CommandContext } from "../context.js";
import { block, json, table } from "../output.js";

function transmitterBlock(t: TransmitterView): string {
  return block([
    ["id", t.id],
    ["issuer", t.issuer],
    ["keys", t.jwksUri ?? `${t.jwks?.keys.length ?? 0} inline`],
    ["audience", t.audience],
    ["action", t.action === "disable" ? "disable the user principal" : "revoke the user's keys"],
    ["description", t.description],
    ["created", `${t.createdAt} by ${t.createdBy}`],
  ]);
}

function addTransmitterCommand(transmitters: Command, ctx: CommandContext): void {
  transmitters
    .command("add <issuer>")
    .description("trust an identity provider's SETs pushed to /ssf/receiver/events")
    .requiredOption("--audience <aud>", "the aud its SETs must name (as configured in the identity provider)")
    .option("--jwks-uri <url>", "where the transmitter publishes its signing keys")
    .option("--action <action>", "what a revoking event does to the user: disable | revoke (its keys)", "disable")
    .option("-d, --description <text>", "what it is")
    .addHelpText(
      "after",
      "\nExample:\n  tessera ssf transmitters add https://idp.example.com --jwks-uri https://idp.example.com/jwks --audience https://tessera.example.com\n",
    )
    .action(
      async (issuer: string, opts: { audience: string; jwksUri?: string; action: string; description?: string }) => {
        if (opts.jwksUri === undefined)
          throw new Error("--jwks-uri is required: where the transmitter's signing keys are");
        const created = await ctx.client().request<TransmitterView>("POST", "/v1/ssf/transmitters", {
          issuer,
          jwksUri: opts.jwksUri,
          audience: opts.audience,
          action: opts.action,
          ...(opts.description !== undefined ? { description: opts.description } : {}),
        });
        ctx.io.out(ctx.globals().json ? json(created) : transmitterBlock(created));
      },
    );
}

function listTransmittersCommand(transmitters: Command, ctx: CommandContext): void {
  transmitters
    .command("list")
    .description("list trusted transmitters")
    .action(async () => {
      const page = await ctx.client().request<{ items: TransmitterView[] }>("GET", "/v1/ssf/transmitters");
      if (ctx.globals().json) return ctx.io.out(json(page));
      ctx.io.out(
        table(
          page.items.map((t) => ({ id: t.id, issuer: t.issuer, audience: t.audience, action: t.action })),
          ["id", "issuer", "audience", "action"],
        ),
      );
    });
}

function removeTransmitterCommand(transmitters: Command, ctx: CommandContext): void {
  transmitters
    .command("remove <id>")
    .description("stop trusting a transmitter: its SETs are refused from now on")
    .action(async (id: string) => {
      await ctx.client().request("DELETE", `/v1/ssf/transmitters/${encodeURIComponent(id)}`);
      ctx.io.out(ctx.globals().json ? json({ removed: id }) : `removed ${id}\n`);
    });
}

export function registerSsf(program: Command, ctx: CommandContext): void {
  const ssf = program.command("ssf").description("Shared Signals: trusted transmitters and streams (docs/ssf.md)");
  const transmitters = ssf.command("transmitters").description("identity providers whose signals Tessera acts on");
  for (const add of [addTransmitterCommand, listTransmittersCommand, removeTransmitterCommand]) add(transmitters, ctx);
  ssf
    .command("streams")
    .description("list the streams receivers created")
    .action(async () => {
      const streams = await ctx
        .client()
        .request<{ stream_id: string; delivery: { method: string; endpoint_url: string }; aud: unknown }[]>(
          "GET",
          "/ssf/stream",
        );
      if (ctx.globals().json) return ctx.io.out(json(streams));
      ctx.io.out(
        table(
          streams.map((s) => ({
            stream: s.stream_id,
            delivery: s.delivery.method.endsWith("8935") ? "push" : "poll",
            endpoint: s.delivery.endpoint_url,
            aud: String(s.aud),
          })),
          ["stream", "delivery", "endpoint", "aud"],
        ),
      );
    });
}
