import type { Command } from "commander";
import { type CommandContext, duration } from "../context.js";
import { json, table } from "../output.js";

interface JobStatus {
  name: string;
  holder: string | null;
  lastStartedAt: number | null;
  lastFinishedAt: number | null;
  lastResult: Record<string, unknown> | null;
}

export function registerJobs(program: Command, ctx: CommandContext): void {
  const jobs = program
    .command("jobs")
    .description("scheduled jobs: expiry announcements, unused-key sweeper, retention");

  jobs
    .command("list", { isDefault: true })
    .description("each job, who runs it now, and what it last did")
    .action(async () => {
      const { items } = await ctx.client().request<{ items: JobStatus[] }>("GET", "/v1/jobs");
      if (ctx.globals().json) return ctx.io.out(json(items));
      const when = (ms: number | null) => (ms === null ? "never" : new Date(ms).toISOString().slice(0, 19));
      ctx.io.out(
        table(
          items.map((j) => ({
            job: j.name,
            running: j.holder ? `yes (${j.holder})` : "no",
            "last run": when(j.lastStartedAt),
            result: j.lastResult ? JSON.stringify(j.lastResult) : "-",
          })),
          ["job", "running", "last run", "result"],
        ),
      );
    });

  jobs
    .command("run <name>")
    .description(
      "run a job now (expiry-warnings, expiry-notices, unused-sweeper, key-retention, audit-retention, usage-retention)",
    )
    .action(async (name: string) => {
      const result = await ctx
        .client()
        .request<{ name: string; result: unknown }>("POST", `/v1/jobs/${encodeURIComponent(name)}/run`);
      if (ctx.globals().json) return ctx.io.out(json(result));
      ctx.io.out(
        result.result === "skipped"
          ? `${name}: skipped (another instance is running it)\n`
          : `${name}: ${JSON.stringify(result.result)}\n`,
      );
    });
}

export function registerSweep(program: Command, ctx: CommandContext): void {
  program
    .command("sweep")
    .description("expire keys unused for a while (a dry run unless --apply)")
    .option("--unused-for <duration>", "e.g. 90d (default: the TESSERA_SWEEP_UNUSED_AFTER policy)", duration)
    .option("--apply", "expire them (without it: only list what would be expired)")
    .addHelpText(
      "after",
      "\nExamples:\n  tessera sweep --unused-for 90d          # dry run\n  tessera sweep --unused-for 90d --apply\n",
    )
    .action(async (opts: { unusedFor?: string; apply?: boolean }) => {
      const result = await ctx
        .client()
        .request<{ dryRun: boolean; candidates: number; swept: number; ids: string[] }>(
          "POST",
          "/v1/keys/sweep-unused",
          { ...(opts.unusedFor ? { unusedFor: opts.unusedFor } : {}), dryRun: !opts.apply },
        );
      if (ctx.globals().json) return ctx.io.out(json(result));
      if (result.dryRun) {
        ctx.io.out(
          `dry run: ${result.candidates} key(s) would be expired\n${result.ids.map((id) => `  ${id}\n`).join("")}`,
        );
        if (result.candidates > 0) ctx.io.out("run again with --apply to expire them\n");
      } else {
        ctx.io.out(
          `expired ${result.swept} unused key(s)${result.swept === 1000 ? " (one batch; run again for more)" : ""}\n`,
        );
      }
    });
}
