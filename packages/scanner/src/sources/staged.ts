import { spawn } from "node:child_process";
import type { Engine } from "../engine.js";
import { ScanError } from "../errors.js";
import type { InternalFinding } from "../types.js";
import { DiffParser, type DiffStats } from "./diff-parser.js";

/**
 * The index of a repository (what `git commit` would record): added lines of
 * `git diff --cached -U0`, for pre-commit hooks.
 */
export async function scanStaged(
  engine: Engine,
  options: { repo: string; maxFileSize: number; onFinding(finding: InternalFinding): void },
): Promise<DiffStats> {
  const parser = new DiffParser(engine, { maxFileSize: options.maxFileSize, onFinding: options.onFinding });
  const args = [
    "-C",
    options.repo,
    "-c",
    "core.quotePath=false",
    "diff",
    "--cached",
    "-p",
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--no-renames",
    "-U0",
  ];
  await new Promise<void>((resolve, reject) => {
    const child = spawn("git", args, { stdio: ["ignore", "pipe", "pipe"] });
    const stderr: Buffer[] = [];
    child.stdout.on("data", (data: Buffer) => parser.push(data));
    child.stderr.on("data", (d: Buffer) => stderr.push(d));
    child.on("error", (error) =>
      reject(new ScanError("git_missing", "git is not installed or not on PATH", { cause: error })),
    );
    child.on("close", (code) => {
      if (code === 0) {
        parser.end();
        resolve();
      } else
        reject(
          new ScanError("git_failed", `git diff --cached failed: ${Buffer.concat(stderr).toString("utf8").trim()}`),
        );
    });
  });
  return parser.stats;
}
