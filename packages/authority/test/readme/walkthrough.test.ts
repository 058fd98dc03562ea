/**
 * From a fresh clone, the README's walk-through works as written (issue 11, "done when"): every
 * command of its first shell block runs literally, in bash, in order, against an authority
 * started the way `npm start` starts it, and must exit 0 and print what its comments promise.
 *
 * What differs from a reader's terminal, and why:
 * - the authority listens on a free port and keeps its data in a temporary SQLite file (tests
 *   run in parallel); the commands get TESSERA_PORT, TESSERA_URL and TESSERA_DATABASE_URL, and
 *   the address `127.0.0.1:7070` written in a command is rewritten to that port;
 * - placeholders (`tsk_...`, `prn_...`, `key_...`) are filled from earlier outputs, as a reader
 *   copies them: see `rememberValues` in walkthrough.ts;
 * - the commands run in a scratch directory inside the clone (so `npx tessera` finds the
 *   workspace's bin, and `audit.jsonl` lands there), with npm offline so that a missing bin fails
 *   here instead of fetching a package of that name from the registry.
 * It runs the build (`dist/`), which `npm install` makes: rebuild after changing the sources.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeBlockUnder, parseSteps, promisedFields, rememberValues, substitute } from "./walkthrough.js";

const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const README = readFileSync(`${ROOT}README.md`, "utf8");
const steps = parseSteps(codeBlockUnder(README, "## A first walk-through"));
// How the README starts the authority (`npm start` = build, then this); the build is npm install's.
const SERVE = [`${ROOT}packages/authority/bin/tessera.js`, "serve"];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The environment of the reader's second terminal, minus anything of ours that would leak in. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith("TESSERA_") && !name.startsWith("VITEST") && name !== "NODE_ENV") env[name] = value;
  }
  return { ...env, npm_config_offline: "true", npm_config_update_notifier: "false", ...extra };
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  env: Record<string, string>;
}

/** Runs one command in bash and returns its output and the environment it leaves (for `export`). */
function runInBash(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<Ran> {
  const marker = `__tessera_env_${process.pid}__`;
  const script = `set -o pipefail\n${command}\n__rc=$?\necho "${marker}"\nenv -0\nexit $__rc\n`;
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", script], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      const at = stdout.lastIndexOf(`${marker}\n`);
      const after: Record<string, string> = {};
      for (const entry of stdout.slice(at + marker.length + 1).split("\0")) {
        const eq = entry.indexOf("=");
        if (eq > 0) after[entry.slice(0, eq)] = entry.slice(eq + 1);
      }
      resolve({ code, stdout: at < 0 ? stdout : stdout.slice(0, at), stderr, env: after });
    });
  });
}

/** Starts the authority and resolves with everything it printed once the root key is shown. */
function startAuthority(env: NodeJS.ProcessEnv, cwd: string): Promise<{ child: ChildProcess; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, SERVE, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const timer = setTimeout(() => reject(new Error(`the authority did not show a root key:\n${output}`)), 30_000);
    let shown = false;
    const onData = (chunk: Buffer) => {
      if (shown) return;
      output += chunk;
      // A terminal shows the key; with stdout piped (as here) it goes to a 0600 file whose path
      // is printed: read it, as the README tells a reader to.
      const written = /written to (\S+) \(mode 0600/.exec(output);
      if (written) output += `\n${readFileSync(written[1] as string, "utf8")}`;
      if (/\btsk_[0-9A-Za-z]{38}\b/.test(output)) {
        shown = true;
        clearTimeout(timer);
        resolve({ child, output });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.on("exit", (code) => reject(new Error(`the authority exited (${code}):\n${output}`)));
  });
}

describe("README walk-through, run literally", () => {
  const scratch = `${ROOT}.tessera/readme-walkthrough-${process.pid}-${Date.now().toString(36)}`;
  const values = new Map<string, string>();
  let authority: ChildProcess | undefined;
  let port: number;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    mkdirSync(scratch, { recursive: true });
    port = await freePort();
    const tessera = {
      TESSERA_PORT: String(port),
      TESSERA_URL: `http://127.0.0.1:${port}`,
      TESSERA_DATABASE_URL: `${scratch}/tessera.db`,
    };
    env = cleanEnv(tessera);
    const started = await startAuthority(env, scratch);
    authority = started.child;
    rememberValues(started.output, values);
  });
  afterAll(() => {
    authority?.kill("SIGTERM");
    rmSync(scratch, { recursive: true, force: true });
  });

  it("the README has a walk-through with the commands this test expects to find", () => {
    const commands = steps.map((s) => s.command).join("\n");
    for (const command of [
      "export TESSERA_ADMIN_KEY",
      "npx tessera principals add",
      "curl",
      "npx tessera keys revoke",
    ]) {
      expect(commands).toContain(command);
    }
  });

  it.each(steps.map((step, i) => [i + 1, step.command.split("\n")[0], step] as const))(
    "step %i: %s",
    async (_n, _first, step) => {
      const command = substitute(step.command, values, port);
      const ran = await runInBash(command, scratch, env);
      const transcript = `$ ${command}\n${ran.stdout}${ran.stderr}`;
      expect(ran.code, transcript).toBe(0);
      env = { ...ran.env };
      for (const line of step.expected) {
        const fields = promisedFields(substitute(line, values, port));
        if (fields) expect(JSON.parse(ran.stdout), transcript).toMatchObject(fields);
      }
      rememberValues(ran.stdout, values);
    },
  );
});
