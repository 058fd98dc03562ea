/**
 * NGINX and Caddy as our own processes (not the system services), on free loopback ports with
 * temporary configuration and prefix directories, configured with the snippets of
 * docs/gateway.md: what a user copies is what the tests run.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const DOC = new URL("../../../docs/gateway.md", import.meta.url);

/** Whether a binary is on the PATH (the suites skip, visibly, without it). */
export function installed(binary: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${binary}`], { stdio: "ignore" }).status === 0;
}

/** The fenced block after `<!-- snippet: name -->` in docs/gateway.md. */
export function docSnippet(name: string): string {
  const doc = readFileSync(DOC, "utf8");
  const match = new RegExp(`<!-- snippet: ${name} -->\\n\`\`\`\\w*\\n([\\s\\S]*?)\`\`\``).exec(doc);
  if (!match) throw new Error(`docs/gateway.md has no snippet "${name}"`);
  return match[1] as string;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The doc's addresses (gateway 7071, app 8080, proxy 8000/8001) replaced by the test's. */
export function withAddresses(snippet: string, addresses: { gateway: string; app: string; listen: string }): string {
  return snippet
    .replaceAll("127.0.0.1:7071", addresses.gateway)
    .replaceAll("127.0.0.1:8080", addresses.app)
    .replace(/127\.0\.0\.1:800[01]/g, addresses.listen);
}

export interface ProxyProcess {
  url: string;
  dir: string;
  /** Everything the process logged (error log, stdout, stderr). */
  logs(): string;
  stop(): Promise<void>;
}

async function waitForPort(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}: ${output()}`);
    const ok = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(500) }).then(
      () => true,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`not listening on ${port} after 10s: ${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function stopper(child: ChildProcess, signal: NodeJS.Signals, dir: string) {
  return async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill(signal);
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    }
    rmSync(dir, { recursive: true, force: true });
  };
}

/** NGINX in the foreground with the doc's `http { }` snippet. */
export async function startNginx(addresses: { gateway: string; app: string }): Promise<ProxyProcess> {
  const dir = mkdtempSync(join(tmpdir(), "tessera-nginx-"));
  mkdirSync(join(dir, "tmp"));
  const port = await freePort();
  const snippet = withAddresses(docSnippet("nginx"), { ...addresses, listen: `127.0.0.1:${port}` });
  const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map(
    (kind) => `${kind}_temp_path ${dir}/tmp/${kind};`,
  );
  const config = [
    // As root the workers would run as nobody, who cannot enter this private temporary directory.
    process.getuid?.() === 0 ? "user root;" : "",
    "worker_processes 1;",
    `pid ${dir}/nginx.pid;`,
    `error_log ${dir}/error.log info;`,
    "events { worker_connections 1024; }",
    "http {",
    `  access_log ${dir}/access.log;`,
    ...temp.map((line) => `  ${line}`),
    snippet,
    "}",
  ].join("\n");
  writeFileSync(join(dir, "nginx.conf"), config);
  let output = "";
  const child = spawn(
    "nginx",
    ["-p", dir, "-c", join(dir, "nginx.conf"), "-e", join(dir, "error.log"), "-g", "daemon off;"],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const logs = () => output + readLog(join(dir, "error.log")) + readLog(join(dir, "access.log"));
  await waitForPort(port, child, logs);
  return { url: `http://127.0.0.1:${port}`, dir, logs, stop: stopper(child, "SIGQUIT", dir) };
}

/** Caddy in the foreground with the doc's site block (no admin endpoint, no automatic HTTPS). */
export async function startCaddy(addresses: { gateway: string; app: string }): Promise<ProxyProcess> {
  const dir = mkdtempSync(join(tmpdir(), "tessera-caddy-"));
  const port = await freePort();
  const snippet = withAddresses(docSnippet("caddy"), { ...addresses, listen: `127.0.0.1:${port}` });
  writeFileSync(join(dir, "Caddyfile"), `{\n\tadmin off\n\tauto_https off\n\tdefault_bind 127.0.0.1\n}\n\n${snippet}`);
  let output = "";
  const child = spawn("caddy", ["run", "--config", join(dir, "Caddyfile"), "--adapter", "caddyfile"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, HOME: dir, XDG_DATA_HOME: join(dir, "data"), XDG_CONFIG_HOME: join(dir, "config") },
  });
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  await waitForPort(port, child, () => output);
  return { url: `http://127.0.0.1:${port}`, dir, logs: () => output, stop: stopper(child, "SIGTERM", dir) };
}

function readLog(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}
