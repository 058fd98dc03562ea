import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { ScanError } from "../errors.js";

const execFileAsync = promisify(execFile);

/** Runs git and returns its stdout; a failure becomes a ScanError carrying git's message. */
export async function git(cwd: string, args: readonly string[], input?: string): Promise<string> {
  if (input !== undefined) return gitWithInput(cwd, args, input);
  try {
    const { stdout } = await execFileAsync("git", ["-C", cwd, ...args], { maxBuffer: 256 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    throw gitError(args, error);
  }
}

function gitWithInput(cwd: string, args: readonly string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", ["-C", cwd, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    child.on("error", (e) => reject(gitError(args, e)));
    child.on("close", (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString("utf8"));
      else reject(new ScanError("git_failed", `git ${args[0]} failed: ${Buffer.concat(err).toString("utf8").trim()}`));
    });
    child.stdin.end(input);
  });
}

function gitError(args: readonly string[], error: unknown): ScanError {
  const e = error as { code?: string; stderr?: string; message?: string };
  if (e.code === "ENOENT") return new ScanError("git_missing", "git is not installed or not on PATH", { cause: error });
  const detail = (e.stderr ?? e.message ?? String(error)).toString().trim();
  return new ScanError("git_failed", `git ${args[0]} failed: ${detail}`, { cause: error });
}

/** The top level of the work tree containing `dir`, or a clear `not_a_repository` error. */
export async function repositoryRoot(dir: string): Promise<string> {
  try {
    return (await git(dir, ["rev-parse", "--show-toplevel"])).trim();
  } catch (error) {
    if (error instanceof ScanError && error.code === "git_missing") throw error;
    throw new ScanError("not_a_repository", `${dir} is not inside a git repository`, { cause: error });
  }
}
