import type { Command } from "commander";
import type { PrincipalView } from "../../../domain/keys.js";
import { type CommandContext, collect } from "../../context.js";
import { json } from "../../output.js";
import { principalBlock } from "./view.js";

interface UpdateOptions {
  scope?: string[];
  owner?: string;
  metadata?: string;
  onExceedingKeys?: string;
  reason?: string;
}

interface UpdateResult {
  principal: PrincipalView;
  removedScopes: string[];
  revokedKeyIds: string[];
  narrowedKeyIds: string[];
}

/** The PATCH body: only what was asked to change. */
function updateBody(opts: UpdateOptions): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (opts.scope) body.allowedScopes = opts.scope;
  if (opts.owner !== undefined) body.owner = opts.owner;
  if (opts.metadata !== undefined) body.metadata = JSON.parse(opts.metadata) as Record<string, unknown>;
  if (opts.onExceedingKeys !== undefined) body.onExceedingKeys = opts.onExceedingKeys;
  if (opts.reason !== undefined) body.reason = opts.reason;
  if (Object.keys(body).length === 0) {
    throw new Error("nothing to change: pass --scope, --owner or --metadata");
  }
  return body;
}

export function updatePrincipalCommand(principals: Command, ctx: CommandContext): Command {
  return principals
    .command("update <id>")
    .description("change a principal's allowed scopes, owner or metadata")
    .option(
      "-s, --scope <scope>",
      "the allowed scopes, all of them (repeat, or comma-separate): replaces the list",
      collect,
    )
    .option("-o, --owner <owner>", "the new owner: a team or a person")
    .option("--metadata <json>", "a JSON object of labels (replaces the labels)")
    .option(
      "--on-exceeding-keys <what>",
      "keys carrying a scope no longer allowed: revoke | narrow (default TESSERA_SCOPE_NARROWING)",
    )
    .option("-r, --reason <text>", "why: kept in the audit trail")
    .addHelpText(
      "after",
      "\nExamples:\n  tessera principals update prn_... --owner platform-team\n" +
        "  tessera principals update prn_... --scope orders:read --on-exceeding-keys narrow --reason 'least privilege'\n",
    )
    .action(async (id: string, opts: UpdateOptions) => {
      const result = await ctx
        .client()
        .request<UpdateResult>("PATCH", `/v1/principals/${encodeURIComponent(id)}`, updateBody(opts));
      if (ctx.globals().json) return ctx.io.out(json(result));
      ctx.io.out(principalBlock(result.principal));
      if (result.removedScopes.length > 0) {
        ctx.io.out(
          `removed scopes ${result.removedScopes.join(",")}: revoked ${result.revokedKeyIds.length} key(s), ` +
            `narrowed ${result.narrowedKeyIds.length}\n`,
        );
      }
    });
}
