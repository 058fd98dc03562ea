/**
 * The `scan` command: mounted by the authority's CLI as `tessera scan` through
 * {@link registerScanCommand}, and run on its own as the `tessera-scan` bin through {@link runCli}.
 *
 * Exit codes: 0 no findings, 1 findings, 2 error (bad usage, not a repository, authority failure).
 * @module
 */

import { readFileSync, statSync, writeFileSync } from "node:fs";
import type { Readable } from "node:stream";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { ScanError } from "./errors.js";
import { formatJson } from "./report/json.js";
import { formatSarif } from "./report/sarif.js";
import { formatBytes, summaryLine } from "./report/stats.js";
import { formatText } from "./report/text.js";
import { type ScanOptions, type ScanSource, scan } from "./scan.js";

export const EXIT_CLEAN = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_ERROR = 2;
export const DEFAULT_CREDENTIAL_ENV = "TESSERA_ADMIN_KEY";

/** Where the command reads and writes; tests inject their own. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  stdin: Readable;
  env: Record<string, string | undefined>;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  /** Test hook: replaces global fetch for the authority client. */
  fetch?: typeof fetch;
}

export function processIo(): CliIo {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    stdin: process.stdin,
    env: process.env,
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
  };
}

interface RawOptions {
  stdin?: boolean;
  git?: string | boolean;
  staged?: boolean;
  repo: string;
  prefix?: string[];
  disable?: string[];
  maxFileSize?: number;
  chunkSize?: number;
  gitignore: boolean;
  config?: string | boolean;
  baseline?: string;
  writeBaseline?: string;
  state?: string;
  format: "text" | "json" | "sarif";
  output?: string;
  showSecrets?: boolean;
  url?: string;
  credentialEnv: string;
  revoke?: boolean;
  allowInsecureHttp?: boolean;
  timeout?: number;
  workers?: number;
  progress: boolean;
  color?: boolean;
}

/** Parses sizes such as `10MB`, `512KB`, `1GB` or a number of bytes. */
export function parseSize(value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|k|mb|m|gb|g)?$/i.exec(value.trim());
  if (match === null) throw new InvalidArgumentError(`"${value}" is not a size (examples: 10MB, 512KB, 1048576)`);
  const unit = (match[2] ?? "b").toLowerCase()[0];
  const factor = unit === "k" ? 1024 : unit === "m" ? 1024 ** 2 : unit === "g" ? 1024 ** 3 : 1;
  const bytes = Math.floor(Number(match[1]) * factor);
  if (bytes <= 0) throw new InvalidArgumentError("size must be positive");
  return bytes;
}

function parseCount(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`"${value}" is not a whole number`);
  return Number(value);
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/**
 * Adds the scan arguments, options and action to `command`.
 * `onExit` receives the exit code when the action finishes.
 */
export function configureScanCommand(command: Command, io: CliIo, onExit: (code: number) => void): Command {
  return command
    .description("Find leaked credentials in files, standard input, git history or the git index")
    .argument("[paths...]", "files or directories to scan (default: the current directory)")
    .option("--stdin", "scan standard input (build logs, streams)")
    .option(
      "--git [path|range]",
      "scan git history: of the repository at path (an existing directory, as gitleaks writes it), " +
        "else of --repo: all refs, or a revision range such as origin/main..HEAD",
    )
    .option("--staged", "scan what is staged for commit (pre-commit hook)")
    .option("--repo <dir>", "repository for --git and --staged", ".")
    .option("--prefix <prefix>", "an extra Tessera token prefix of your deployment (repeatable)", collect)
    .option("--disable <detector>", "turn a detector off (repeatable)", collect)
    .option("--max-file-size <size>", "skip files larger than this (default 10MB)", parseSize)
    .option("--no-gitignore", "scan files that .gitignore excludes too")
    .option("--config <file>", "configuration file (default: .tessera-scan.json in the scanned root)")
    .option("--no-config", "ignore .tessera-scan.json")
    .option("--baseline <file>", "report only findings that are not in this baseline")
    .option("--write-baseline <file>", "write every current finding to a baseline file")
    .option("--state <file>", "incremental history scans: only commits not scanned by the last run (with --git)")
    .addOption(new Option("--format <format>", "report format").choices(["text", "json", "sarif"]).default("text"))
    .option("--output <file>", "write the report to a file instead of standard output")
    .option("--show-secrets", "print the secrets themselves (text and json only)")
    .option("--url <url>", "Tessera authority: check each Tessera token found for liveness")
    .option("--credential-env <name>", "environment variable holding the authority admin key", DEFAULT_CREDENTIAL_ENV)
    .option("--revoke", "revoke the live Tessera tokens found (at --url, else TESSERA_URL)")
    .option("--allow-insecure-http", "allow sending tokens to a non-loopback authority over plain http")
    .option("--timeout <ms>", "authority request timeout in milliseconds", parseCount)
    .option(
      "--workers <n>",
      "worker threads beside the calling thread (default: one per further core for large scans, 0 for none)",
      parseCount,
    )
    .addOption(new Option("--chunk-size <size>", "bytes scanned at a time (advanced)").argParser(parseSize).hideHelp())
    .option("--no-progress", "no progress line on standard error")
    .option("--no-color", "no colour in the text report")
    .action(async (paths: string[], raw: RawOptions) => {
      onExit(await runScan(paths, raw, io));
    });
}

/** Mounts `scan` on a parent program (the authority's `tessera` CLI). Sets `process.exitCode`. */
export function registerScanCommand(program: Command, io: CliIo = processIo()): Command {
  return configureScanCommand(program.command("scan"), io, (code) => {
    process.exitCode = code;
  });
}

/**
 * Runs `tessera-scan` with `argv` (the arguments after the program name) and returns the exit code.
 * @example
 * process.exitCode = await runCli(process.argv.slice(2));
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo = processIo(),
  /** The name usage lines show: `tessera scan` when the authority's CLI runs it. */
  programName = "tessera-scan",
): Promise<number> {
  let code = EXIT_ERROR;
  const program = configureScanCommand(new Command(programName), io, (c) => {
    code = c;
  });
  program
    .version(packageVersion(), "-V, --version")
    .exitOverride()
    .configureOutput({ writeOut: (t) => io.stdout(t), writeErr: (t) => io.stderr(t) });
  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_CLEAN : EXIT_ERROR;
    io.stderr(`error: ${(error as Error).message}\n`);
    return EXIT_ERROR;
  }
  return code;
}

async function runScan(paths: string[], raw: RawOptions, io: CliIo): Promise<number> {
  try {
    const options = toScanOptions(paths, raw, io);
    const progress = raw.progress && io.stderrIsTTY;
    let shown = false;
    if (progress) {
      options.onProgress = (p) => {
        shown = true;
        const what = p.commits > 0 ? `${p.commits} commits` : `${p.files} files`;
        io.stderr(`\rscanning: ${what}, ${formatBytes(p.bytes)}\u001b[K`);
      };
    }
    const result = await scan(options);
    if (shown) io.stderr("\r\u001b[K");
    for (const w of result.warnings) io.stderr(`warning: ${w}\n`);
    const report =
      raw.format === "json"
        ? formatJson(result.findings, result.stats, {
            errors: result.authorityError ? [result.authorityError.message] : [],
          })
        : raw.format === "sarif"
          ? formatSarif(result.findings.map(withoutSecret), result.stats, result.detectors, packageVersion())
          : formatText(result.findings, result.stats, {
              color: raw.color !== false && io.stdoutIsTTY && !io.env.NO_COLOR && raw.output === undefined,
            });
    if (raw.output !== undefined) writeFileSync(raw.output, report, { mode: 0o600 });
    else io.stdout(report);
    if (raw.format !== "text" || raw.output !== undefined)
      io.stderr(`${summaryLine(result.stats, result.findings.length)}\n`);
    if (result.authorityError) {
      const what = options.authority?.revoke ? "revocation" : "liveness check";
      io.stderr(
        `error: ${what} failed: ${result.authorityError.message}\nThe findings above are complete, but no Tessera token was ${options.authority?.revoke ? "revoked" : "checked"}.\n`,
      );
      return EXIT_ERROR;
    }
    return result.findings.length > 0 ? EXIT_FINDINGS : EXIT_CLEAN;
  } catch (error) {
    const message = error instanceof ScanError ? `${error.message} (${error.code})` : (error as Error).message;
    io.stderr(`error: ${message}\n`);
    return EXIT_ERROR;
  }
}

function withoutSecret<T extends { secret?: string }>(f: T): T {
  const { secret: _secret, ...rest } = f;
  return rest as T;
}

/**
 * `--git` takes a repository or a revision range, by one rule: a value naming an existing
 * directory is the repository (gitleaks's `--git PATH`), anything else a range of --repo.
 * (A revision that shares its name with a directory is written `refs/heads/NAME`.)
 */
function gitSource(value: string | boolean, repo: string): ScanSource {
  if (typeof value !== "string") return { kind: "git", repo };
  return isDirectory(value) ? { kind: "git", repo: value } : { kind: "git", repo, range: value };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function toScanOptions(paths: string[], raw: RawOptions, io: CliIo): ScanOptions {
  const sources = [raw.stdin, raw.git !== undefined, raw.staged].filter(Boolean).length;
  if (sources > 1) throw new ScanError("invalid_option", "choose one of --stdin, --git and --staged");
  if (sources === 1 && paths.length > 0)
    throw new ScanError(
      "invalid_option",
      "paths cannot be combined with --stdin, --git or --staged (use --repo for a repository)",
    );
  if (raw.state !== undefined && raw.git === undefined)
    throw new ScanError("invalid_option", "--state only applies to --git history scans");
  // --revoke finds the authority as every tessera command does when --url is not given.
  const url = raw.url ?? (raw.revoke ? io.env.TESSERA_URL || undefined : undefined);
  if (raw.revoke && url === undefined) {
    throw new ScanError("invalid_option", "--revoke needs the authority: pass --url or set TESSERA_URL");
  }
  let source: ScanSource;
  if (raw.stdin) source = { kind: "stdin", stream: io.stdin };
  else if (raw.git !== undefined) source = gitSource(raw.git, raw.repo);
  else if (raw.staged) source = { kind: "staged", repo: raw.repo };
  else source = { kind: "paths", paths: paths.length > 0 ? paths : ["."], respectGitignore: raw.gitignore };
  const options: ScanOptions = { source };
  if (raw.prefix) options.prefixes = raw.prefix;
  if (raw.disable) options.disable = raw.disable;
  if (raw.maxFileSize !== undefined) options.maxFileSize = raw.maxFileSize;
  if (raw.chunkSize !== undefined) options.chunkSize = raw.chunkSize;
  if (raw.config === false) options.config = false;
  else if (typeof raw.config === "string") options.config = raw.config;
  if (raw.baseline !== undefined) options.baseline = raw.baseline;
  if (raw.writeBaseline !== undefined) options.writeBaseline = raw.writeBaseline;
  if (raw.state !== undefined) options.statePath = raw.state;
  if (raw.showSecrets) options.showSecrets = true;
  if (raw.workers !== undefined) options.workers = raw.workers;
  if (url !== undefined) {
    const credential = io.env[raw.credentialEnv];
    if (credential === undefined || credential === "") {
      throw new ScanError(
        "invalid_option",
        `--url needs the authority admin key in the environment variable ${raw.credentialEnv}`,
      );
    }
    options.authority = { url, credential, revoke: raw.revoke === true };
    if (raw.allowInsecureHttp) options.authority.allowInsecureHttp = true;
    if (raw.timeout !== undefined) options.authority.timeoutMs = raw.timeout;
    if (io.fetch) options.authority.fetch = io.fetch;
  }
  return options;
}

let cachedVersion: string | undefined;
function packageVersion(): string {
  if (cachedVersion === undefined) {
    try {
      cachedVersion = (
        JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
      ).version;
    } catch {
      cachedVersion = "0.0.0";
    }
  }
  return cachedVersion;
}
