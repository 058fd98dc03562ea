import { type Command, InvalidArgumentError } from "commander";
import { parseDuration } from "../duration.js";
import { type AdminClient, createAdminClient } from "./client.js";
import type { CliIO } from "./io.js";

export const DEFAULT_URL = "http://127.0.0.1:7070";

/**
 * Where every command finds the authority, in one place: --url, else TESSERA_URL, else the
 * address `tessera serve` would listen on with the same environment (TESSERA_HOST and
 * TESSERA_PORT), else http://127.0.0.1:7070. Errors name the URL they asked.
 */
export function resolveAuthorityUrl(env: Record<string, string | undefined>, flag?: string): string {
  const explicit = flag ?? env.TESSERA_URL;
  if (explicit) return explicit.replace(/\/+$/, "");
  const port = env.TESSERA_PORT?.trim() || "7070";
  const configuredHost = env.TESSERA_HOST?.trim() || "127.0.0.1";
  // A server listening on every address is reached on loopback from here.
  const host = configuredHost === "0.0.0.0" || configuredHost === "::" ? "127.0.0.1" : configuredHost;
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

/** What a command needs: where to write, and a client built from the global options. */
export interface CommandContext {
  io: CliIO;
  /** Options of the root program: --url, --json. */
  globals(): { url: string; json: boolean };
  client(): AdminClient;
}

export function createCommandContext(program: Command, io: CliIO): CommandContext {
  const globals = () => {
    const opts = program.opts<{ url?: string; json?: boolean }>();
    return { url: resolveAuthorityUrl(io.env, opts.url), json: Boolean(opts.json) };
  };
  return {
    io,
    globals,
    client: () => createAdminClient(globals().url, io.env.TESSERA_ADMIN_KEY),
  };
}

/** Collects a repeatable option (`--scope a --scope b`) into an array. */
export function collect(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(",")
      .map((v) => v.trim())
      .filter(Boolean),
  ];
}

/**
 * Checks a duration option before anything is sent, with an example instead of the API's
 * pattern; the text is passed on as written.
 */
export function duration(value: string): string {
  try {
    parseDuration(value);
  } catch {
    throw new InvalidArgumentError(
      `write a duration such as 30d, 12h, 30m or 45s (or combined, 1d12h), not "${value}"`,
    );
  }
  return value;
}

/** The selector options `revoke` and `campaigns create` share, by option name and API field. */
const SELECTOR_FIELDS: Record<string, string> = {
  principal: "principalId",
  owner: "owner",
  scope: "scope",
  createdBefore: "createdBefore",
  createdAfter: "createdAfter",
};

/** A selector object from parsed options: the shared fields plus a command's own (`extra`). */
export function selectorFromOptions(
  opts: Record<string, unknown>,
  extra: Record<string, string> = {},
): Record<string, unknown> {
  const selector: Record<string, unknown> = {};
  for (const [opt, field] of Object.entries({ ...SELECTOR_FIELDS, ...extra })) {
    if (opts[opt] !== undefined) selector[field] = opts[opt];
  }
  return selector;
}
