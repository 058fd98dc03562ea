import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { checksumOf, generateToken } from "@tessera/verifier";
import { scanBuffer } from "../src/chunked.js";
import { type CliIo, runCli } from "../src/cli.js";
import { selectDetectors } from "../src/detectors/index.js";
import { createEngine } from "../src/engine.js";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

export function random62(length: number): string {
  let out = "";
  const bytes = randomBytes(length * 2);
  for (let i = 0; out.length < length; i++) out += BASE62[(bytes[i % bytes.length] as number) % 62];
  return out;
}

export const tesseraToken = (prefix = "tsk"): string => generateToken(prefix, (n) => randomBytes(n));

/** A GitHub classic or npm token with a valid CRC32 checksum. */
export function checksummed(prefix: string): string {
  const body = random62(30);
  return `${prefix}${body}${checksumOf(body)}`;
}

/** The same token with its last character changed, so the checksum fails. */
export function corrupt(token: string): string {
  const last = token.at(-1);
  return token.slice(0, -1) + (last === "A" ? "B" : "A");
}

export function findIn(text: string, options: { prefixes?: string[]; disable?: string[] } = {}) {
  const engine = createEngine(selectDetectors(options));
  return scanBuffer(engine, Buffer.from(text, "utf8")).map((m) => ({
    detector: m.match.detector.id,
    secret: m.secret,
    line: m.line,
    column: m.column,
    inlineAllowed: m.inlineAllowed,
  }));
}

export function tempDir(name = "tessera-scan-"): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), name));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

const GIT_IDENTITY = [
  "-c",
  "user.name=Test Author",
  "-c",
  "user.email=author@example.test",
  "-c",
  "commit.gpgsign=false",
  "-c",
  "init.defaultBranch=main",
];

export function gitIn(dir: string, ...args: string[]): string {
  return execFileSync("git", [...GIT_IDENTITY, "-C", dir, ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

export function initRepo(dir: string): void {
  gitIn(dir, "init", "-q");
}

export function commitAll(dir: string, message: string, date?: string): string {
  gitIn(dir, "add", "-A");
  const env = date ? { ...process.env, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date } : process.env;
  execFileSync("git", [...GIT_IDENTITY, "-C", dir, "commit", "-q", "--allow-empty", "-m", message], {
    env,
    stdio: "ignore",
  });
  return gitIn(dir, "rev-parse", "HEAD").trim();
}

export interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process with captured output. */
export async function cli(
  argv: string[],
  options: { env?: Record<string, string>; stdin?: string | Buffer; fetch?: typeof fetch } = {},
): Promise<Captured> {
  let stdout = "";
  let stderr = "";
  const stdin = new PassThrough();
  stdin.end(options.stdin ?? "");
  const io: CliIo = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    stdin,
    env: options.env ?? {},
    stdoutIsTTY: false,
    stderrIsTTY: false,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}
