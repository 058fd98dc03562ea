/**
 * `tessera gateway` / `tessera-gateway`: flags to options, the feed key from the environment
 * (never a flag: flags end up in shell history and `ps`), start-up checks that fail loudly
 * (a bad rules file names its lines), and a clean stop on SIGINT/SIGTERM.
 * @module
 */
import { parseArgs } from "node:util";
import { createGateway, type GatewayOptions, type RunningGateway } from "./gateway.js";
import { createLogger, type LogLevel } from "./log.js";
import { loadRules, RulesError } from "./rules.js";

export interface GatewayCliIO {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
}

export const USAGE = `Usage: tessera gateway --url <authority> [--listen <host:port>] [--upstream <url>]
                       [--rules <file>] [--staleness <duration>] [options]

Enforces Tessera credentials in front of a service. Without --upstream it answers forward-auth
checks at /auth (NGINX auth_request, Traefik ForwardAuth, Caddy forward_auth, Envoy ext_authz,
ingress-nginx auth-url); with --upstream it checks every request and proxies it.

  --url <url>               the authority (TESSERA_URL)
  --listen <host:port>      where to listen (default 127.0.0.1:7071)
  --upstream <url>          proxy checked requests to this service
  --rules <file>            YAML or JSON: method and path -> scopes, audience or anonymous;
                            a request no rule matches is refused
  --staleness <duration>    fail closed after this long without news from the authority (5s)
  --trust-proxy <list>      comma-separated addresses/CIDRs (or loopback, linklocal,
                            uniquelocal) whose X-Forwarded-For is believed (default: none)
  --strip-credential        remove Authorization and DPoP before proxying
  --upstream-timeout <dur>  how long to wait for the upstream (default 30s)
  --public-url <url>        the URL clients use, for DPoP proofs
  --grpc-listen <host:port> also serve Envoy's gRPC ext_authz (Authorization/Check) there
  --name <name>             how the authority lists this gateway (default tessera-gateway)
  --log-level <level>       debug, info, warn, error (default info)

The feed key (an admin key holding feed:read) is read from TESSERA_FEED_KEY.
`;

const FLAGS = {
  url: { type: "string" },
  listen: { type: "string" },
  upstream: { type: "string" },
  rules: { type: "string" },
  staleness: { type: "string" },
  "trust-proxy": { type: "string", multiple: true },
  "strip-credential": { type: "boolean" },
  "upstream-timeout": { type: "string" },
  "public-url": { type: "string" },
  "grpc-listen": { type: "string" },
  name: { type: "string" },
  "log-level": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** A start-up problem the operator must fix; printed without a stack. */
export class GatewayUsageError extends Error {
  override name = "GatewayUsageError";
}

/** Parses `host:port`, `:port` or `[v6]:port`. */
export function parseListen(value: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value);
  const port = Number(match?.[3]);
  if (!match || port > 65535) throw new GatewayUsageError(`--listen must be host:port, got "${value}"`);
  return { host: match[1] ?? (match[2] || "0.0.0.0"), port };
}

/** Milliseconds from `250ms`, `5s`, `1m` or a bare number of milliseconds. */
export function parseDuration(value: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  if (!match) throw new GatewayUsageError(`${flag} must be a duration such as 500ms, 5s or 1m, got "${value}"`);
  const unit = match[2] === "m" ? 60_000 : match[2] === "s" ? 1000 : 1;
  return Math.round(Number(match[1]) * unit);
}

/** Turns arguments and environment into gateway options; throws `GatewayUsageError`/`RulesError`. */
export function optionsFromArgs(argv: readonly string[], env: GatewayCliIO["env"]): GatewayOptions & { help?: true } {
  const { values } = parseArgs({ args: [...argv], options: FLAGS, strict: true, allowPositionals: false });
  if (values.help) return { url: "", credential: "", help: true };
  const url = values.url ?? env.TESSERA_URL;
  if (!url) throw new GatewayUsageError("--url (or TESSERA_URL) is required: the authority's base URL");
  const credential = env.TESSERA_FEED_KEY;
  if (!credential) throw new GatewayUsageError("TESSERA_FEED_KEY is required: an admin key holding feed:read");
  const listen = parseListen(values.listen ?? "127.0.0.1:7071");
  const level = values["log-level"] ?? "info";
  if (!["debug", "info", "warn", "error"].includes(level)) throw new GatewayUsageError(`unknown --log-level ${level}`);
  return {
    url,
    credential,
    host: listen.host,
    port: listen.port,
    ...(values.upstream ? { upstream: values.upstream } : {}),
    rules: values.rules ? loadRules(values.rules) : null,
    staleness: values.staleness ? parseDuration(values.staleness, "--staleness") : 5000,
    trustProxy: (values["trust-proxy"] ?? []).flatMap((item) =>
      item
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    ),
    stripCredential: values["strip-credential"] === true,
    upstreamTimeoutMs: parseDuration(values["upstream-timeout"] ?? "30s", "--upstream-timeout"),
    ...(values["public-url"] ? { publicUrl: values["public-url"] } : {}),
    ...(values["grpc-listen"] ? { grpc: parseListen(values["grpc-listen"]) } : {}),
    name: values.name ?? "tessera-gateway",
    log: createLogger(process.stderr, level as LogLevel),
  };
}

/** Starts a gateway from command-line arguments; null after printing help. */
export async function startFromArgs(argv: readonly string[], io: GatewayCliIO): Promise<RunningGateway | null> {
  const options = optionsFromArgs(argv, io.env);
  if (options.help) {
    io.out(USAGE);
    return null;
  }
  const gateway = await createGateway(options);
  options.log?.("info", "gateway listening", {
    url: gateway.url,
    mode: options.upstream ? "proxy" : "forward-auth",
    rules: options.rules ? options.rules.rules.length : null,
    grpc: gateway.grpcAddress ?? null,
  });
  return gateway;
}

/** Runs until SIGINT/SIGTERM; returns the exit code (2 for bad arguments or rules). */
export async function runGatewayCli(argv: readonly string[], io: GatewayCliIO): Promise<number> {
  let gateway: RunningGateway | null;
  try {
    gateway = await startFromArgs(argv, io);
  } catch (error) {
    const known = error instanceof GatewayUsageError || error instanceof RulesError || error instanceof TypeError;
    io.err(`tessera gateway: ${(error as Error).message}\n`);
    if (known) io.err("(run with --help for usage)\n");
    return 2;
  }
  if (!gateway) return 0;
  const running = gateway;
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  await running.close();
  return 0;
}
