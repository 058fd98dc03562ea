/**
 * `tessera gateway`: the gateway lives in its own package (`@tessera/gateway`, which depends on
 * the verifier only), loaded here when the command is used, so that no other command pays for
 * it and an authority installed without it still runs.
 */
import type { Command } from "commander";
import type { CliIO } from "../io.js";

interface GatewayCli {
  runGatewayCli(argv: readonly string[], io: Pick<CliIO, "out" | "err" | "env">): Promise<number>;
}

// A variable specifier keeps the compiler from resolving the package at build time: the
// gateway is built after the authority.
const GATEWAY_CLI = "@tessera/gateway/cli";

/** Runs `tessera gateway ...` with the gateway's own flags; returns the exit code. */
export async function runGatewayCommand(argv: string[], io: CliIO): Promise<number> {
  let cli: GatewayCli;
  try {
    cli = (await import(GATEWAY_CLI)) as GatewayCli;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "ERR_MODULE_NOT_FOUND") throw error;
    io.err(
      "tessera gateway: the gateway is not installed or not built: npm install @tessera/gateway (in this repository: npm run build)\n",
    );
    return 1;
  }
  return cli.runGatewayCli(argv, io);
}

/**
 * Lists `gateway` in `tessera --help`. The command itself never reaches commander: `runCli`
 * hands `tessera gateway ...` to `runGatewayCommand` with its arguments untouched.
 */
export function registerGatewayHelp(program: Command): void {
  program
    .command("gateway")
    .description("enforce credentials in front of a service: forward-auth or reverse proxy (tessera gateway --help)");
}
