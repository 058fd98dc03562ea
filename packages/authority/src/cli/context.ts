import type { Command } from "commander";
import { type AdminClient, createAdminClient } from "./client.js";
import type { CliIO } from "./io.js";

export const DEFAULT_URL = "http://localhost:7070";

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
    return { url: opts.url ?? io.env.TESSERA_URL ?? DEFAULT_URL, json: Boolean(opts.json) };
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
