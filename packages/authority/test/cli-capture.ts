/** Runs CLI commands in-process with their output captured. */
import type { CliIO } from "../src/cli/io.js";

export function capture(env: Record<string, string | undefined>) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (t) => void out.push(t), err: (t) => void err.push(t), env, isTTY: false };
  return { io, out: () => out.join(""), err: () => err.join("") };
}
