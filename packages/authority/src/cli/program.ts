/**
 * The `tessera` command line. Commands that manage credentials talk to a running authority
 * over the admin API (--url, TESSERA_ADMIN_KEY); `serve`, `init` and `audit verify` work on
 * the database directly.
 */
import { Command, CommanderError } from "commander";
import { isTesseraError } from "../errors.js";
import { ApiError } from "./client.js";
import { registerAudit } from "./commands/audit.js";
import { registerCampaigns } from "./commands/campaigns.js";
import { registerFindings } from "./commands/findings.js";
import { registerGatewayHelp, runGatewayCommand } from "./commands/gateway.js";
import { registerInit } from "./commands/init.js";
import { registerJobs, registerSweep } from "./commands/jobs.js";
import { registerKeys } from "./commands/keys.js";
import { registerPrincipals } from "./commands/principals/index.js";
import { registerReceipts } from "./commands/receipts.js";
import { registerRevoke } from "./commands/revoke.js";
import { registerServe } from "./commands/serve.js";
import { registerSigningKeys } from "./commands/signing-keys.js";
import { registerSsf } from "./commands/ssf.js";
import { registerTotp } from "./commands/totp.js";
import { registerWebhooks } from "./commands/webhooks.js";
import { createCommandContext, DEFAULT_URL, resolveAuthorityUrl } from "./context.js";
import { CliExit, type CliIO } from "./io.js";

export function createProgram(io: CliIO): Command {
  const program = new Command("tessera")
    .description("Tessera: issue, verify, revoke and audit API credentials")
    .version("0.1.0")
    .option(
      "--url <url>",
      `the authority's URL (TESSERA_URL; else from TESSERA_HOST and TESSERA_PORT; default ${DEFAULT_URL})`,
    )
    .option("--json", "machine-readable JSON output")
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .exitOverride()
    .addHelpText(
      "after",
      "\nThe admin key is read from TESSERA_ADMIN_KEY (never a flag: flags end up in shell history).\n" +
        "Exit codes: 0 success, 1 failure (the message says why).\n",
    );
  const ctx = createCommandContext(program, io);
  registerServe(program, ctx);
  registerInit(program, ctx);
  registerPrincipals(program, ctx);
  registerKeys(program, ctx);
  registerRevoke(program, ctx);
  registerReceipts(program, ctx);
  registerCampaigns(program, ctx);
  registerAudit(program, ctx);
  registerJobs(program, ctx);
  registerSweep(program, ctx);
  registerFindings(program, ctx);
  // `tessera scan` is the scanner package's command, with its own exit codes (0 clean,
  // 1 findings, 2 error), carried out through CliExit. Listed here for --help only: its
  // arguments go to the scanner, loaded when it runs.
  program
    .command("scan")
    .description("find leaked credentials in files, standard input or git history (tessera scan --help)")
    .helpOption(false)
    .allowUnknownOption()
    .argument("[args...]")
    .action(async (args: string[]) => {
      const code = await runScan(args, io);
      if (code !== 0) throw new CliExit(code);
    });
  registerSigningKeys(program, ctx);
  registerWebhooks(program, ctx);
  registerSsf(program, ctx);
  registerTotp(program, ctx);
  registerGatewayHelp(program);
  for (const command of program.commands) {
    command.exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
    for (const sub of command.commands) {
      sub.exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
    }
  }
  return program;
}

function scannerIO(io: CliIO) {
  return {
    stdout: io.out,
    stderr: io.err,
    stdin: process.stdin,
    // `tessera scan --revoke` finds the authority as every other tessera command does.
    env: { ...io.env, TESSERA_URL: resolveAuthorityUrl(io.env) },
    stdoutIsTTY: io.isTTY,
    stderrIsTTY: Boolean(process.stderr.isTTY),
  };
}

async function runScan(argv: string[], io: CliIO): Promise<number> {
  const { runCli: runScanCli } = await import("@tessera/scanner/cli");
  return runScanCli(argv, scannerIO(io), "tessera scan");
}

/** Where the command name is: after the global options (--url takes a value). */
function commandIndex(argv: string[]): number {
  let i = 0;
  while (i < argv.length && argv[i]?.startsWith("-")) i += argv[i] === "--url" ? 2 : 1;
  return i;
}

/** Runs the CLI and returns its exit code instead of exiting, so tests can call it in-process. */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  // `tessera scan` has options of its own named like the global ones (--url is the authority
  // to check findings against), so its arguments go to the scanner untouched.
  const scanAt = commandIndex(argv);
  // `tessera gateway` is the gateway package's command, with its own flags (its --url is the
  // authority it replicates from).
  if (argv[scanAt] === "gateway") return runGatewayCommand(argv.slice(scanAt + 1), io);
  if (argv[scanAt] === "scan") {
    const globals = argv.slice(0, scanAt);
    const url = globals[globals.indexOf("--url") + 1];
    const scanIO = globals.includes("--url") && url ? { ...io, env: { ...io.env, TESSERA_URL: url } } : io;
    return runScan(argv.slice(scanAt + 1), scanIO);
  }
  const program = createProgram(io);
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CliExit) return error.exitCode;
    if (error instanceof CommanderError) {
      return error.code === "commander.helpDisplayed" ||
        error.code === "commander.version" ||
        error.code === "commander.help"
        ? 0
        : 1;
    }
    if (error instanceof ApiError) {
      io.err(`error: ${error.message} [${error.code}]${error.requestId ? ` (request ${error.requestId})` : ""}\n`);
      if (error.details) io.err(`details: ${JSON.stringify(error.details)}\n`);
      return 1;
    }
    if (isTesseraError(error)) {
      io.err(`error: ${error.message} [${error.code}]\n`);
      return 1;
    }
    if (error instanceof SyntaxError) {
      io.err(`error: ${error.message}\n`);
      return 1;
    }
    io.err(`error: ${(error as Error).message ?? String(error)}\n`);
    return 1;
  }
}
