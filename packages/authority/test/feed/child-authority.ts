/**
 * The authority as a separate process (`tessera serve` from dist/), so a test can SIGKILL it
 * like a crash and start it again on the same database and port.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../../../", import.meta.url));
const main = `${root}packages/authority/dist/cli/main.js`;

/** Compiles the packages (incremental: quick when up to date) so dist/ matches the sources. */
export function buildDist(): void {
  spawnSync(
    process.execPath,
    [`${root}node_modules/typescript/bin/tsc`, "-b", "packages/verifier", "packages/authority"],
    {
      cwd: root,
      stdio: "ignore",
    },
  );
  if (!existsSync(main)) throw new Error(`${main} is missing: npm run build failed`);
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const spawned = new Set<ChildProcess>();

/** SIGKILLs every authority process still running (afterEach: even one whose start timed out). */
export async function killAllChildren(): Promise<void> {
  await Promise.all(
    [...spawned].map(async (child) => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGKILL");
        await exited;
      }
      spawned.delete(child);
    }),
  );
}

export interface ChildAuthority {
  url: string;
  process: ChildProcess;
  /** SIGKILL: no shutdown code runs, like a crash or a power cut. */
  kill(): Promise<void>;
}

export async function startChild(databaseUrl: string, port: number): Promise<ChildAuthority> {
  const child = spawn(process.execPath, [main, "serve", "--port", String(port), "--database-url", databaseUrl], {
    cwd: root,
    env: { ...process.env, TESSERA_LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  spawned.add(child);
  child.once("exit", () => spawned.delete(child));
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timeout = setTimeout(() => reject(new Error(`authority did not start: ${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("listening on")) {
        clearTimeout(timeout);
        resolve();
      }
    };
    child.stderr?.on("data", onData);
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once("exit", (code) => {
      clearTimeout(timeout);
      reject(new Error(`authority exited with ${code}: ${output}`));
    });
  });
  child.removeAllListeners("exit");
  return {
    url: `http://127.0.0.1:${port}`,
    process: child,
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    },
  };
}
