/**
 * Runs the authority's jobs on a timer, inside the authority. Several instances may share one
 * PostgreSQL: before running a job an instance takes its lease with one conditional UPDATE
 * (free lease and interval elapsed), which exactly one instance can win; so a job never runs
 * twice at once, nor twice in one interval. A crashed holder's lease simply runs out.
 */
import { randomBytes } from "node:crypto";
import type { Kysely } from "kysely";
import type { Clock } from "../clock.js";
import type { Schema } from "../db/schema.js";

export interface Job {
  name: string;
  /** Minimum time between two runs, across all instances. */
  intervalMs: number;
  /** Does one bounded batch of work and returns a summary (kept as the job's last result). */
  run(): Promise<Record<string, unknown>>;
}

export interface JobStatus {
  name: string;
  holder: string | null;
  leaseUntil: number;
  lastStartedAt: number | null;
  lastFinishedAt: number | null;
  lastResult: Record<string, unknown> | null;
}

/** What the scheduler's steps share. */
interface SchedulerEnv {
  db: Kysely<Schema>;
  clock: Clock;
  jobs: readonly Job[];
  /** This instance's name in the leases it takes. */
  holder: string;
  onError: (job: string, error: unknown) => void;
}

type RunOutcome = Record<string, Record<string, unknown> | "skipped">;

async function ensureRows(env: SchedulerEnv): Promise<void> {
  for (const job of env.jobs) {
    await env.db
      .insertInto("job_runs")
      .values({
        name: job.name,
        holder: null,
        lease_until: 0,
        last_started_at: null,
        last_finished_at: null,
        last_result: null,
      })
      .onConflict((oc) => oc.column("name").doNothing())
      .execute();
  }
}

/** Takes the job's lease if it is free and the interval has passed; true when this instance won it. */
async function acquire(env: SchedulerEnv, job: Job, now: number, force: boolean): Promise<boolean> {
  // A lease long enough for one batch; the holder releases it when done.
  const leaseMs = Math.max(60_000, job.intervalMs);
  const result = await env.db
    .updateTable("job_runs")
    .set({ holder: env.holder, lease_until: now + leaseMs, last_started_at: now })
    .where("name", "=", job.name)
    .where("lease_until", "<=", now)
    .where((eb) =>
      force
        ? eb.lit(true)
        : eb.or([eb("last_started_at", "is", null), eb("last_started_at", "<=", now - job.intervalMs)]),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

async function release(env: SchedulerEnv, job: Job, result: Record<string, unknown>): Promise<void> {
  await env.db
    .updateTable("job_runs")
    .set({ holder: null, lease_until: 0, last_finished_at: env.clock.now(), last_result: JSON.stringify(result) })
    .where("name", "=", job.name)
    .where("holder", "=", env.holder)
    .execute();
}

/** Runs a leased job; a failure is reported and kept as its result, never thrown. */
async function runLeased(env: SchedulerEnv, job: Job): Promise<Record<string, unknown>> {
  let result: Record<string, unknown>;
  try {
    result = await job.run();
  } catch (error) {
    env.onError(job.name, error);
    result = { error: (error as Error).message ?? String(error) };
  }
  await release(env, job, result);
  return result;
}

/**
 * Runs every due job once (those whose lease this instance wins). `force` ignores the
 * interval, not the lease: a job another instance is running is still skipped.
 */
async function runDue(env: SchedulerEnv, options: { force?: boolean; only?: string } = {}): Promise<RunOutcome> {
  await ensureRows(env);
  const outcome: RunOutcome = {};
  for (const job of env.jobs) {
    if (options.only && job.name !== options.only) continue;
    const won = await acquire(env, job, env.clock.now(), options.force === true);
    outcome[job.name] = won ? await runLeased(env, job) : "skipped";
  }
  return outcome;
}

async function jobStatus(env: SchedulerEnv): Promise<JobStatus[]> {
  await ensureRows(env);
  const rows = await env.db.selectFrom("job_runs").selectAll().orderBy("name").execute();
  return rows
    .filter((r) => env.jobs.some((j) => j.name === r.name))
    .map((r) => ({
      name: r.name,
      holder: r.holder,
      leaseUntil: r.lease_until,
      lastStartedAt: r.last_started_at,
      lastFinishedAt: r.last_finished_at,
      lastResult: r.last_result ? (JSON.parse(r.last_result) as Record<string, unknown>) : null,
    }));
}

export function createScheduler(
  db: Kysely<Schema>,
  clock: Clock,
  jobs: readonly Job[],
  onError: (job: string, error: unknown) => void,
) {
  const env: SchedulerEnv = { db, clock, jobs, holder: `instance-${randomBytes(6).toString("hex")}`, onError };
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();

  function start(tickMs: number): void {
    if (timer || tickMs <= 0) return;
    timer = setInterval(() => {
      running = running.then(() => runDue(env)).catch((error) => onError("scheduler", error));
    }, tickMs);
    timer.unref();
  }

  async function stop(): Promise<void> {
    if (timer) clearInterval(timer);
    timer = undefined;
    await running;
  }

  return {
    runDue: (options?: { force?: boolean; only?: string }) => runDue(env, options),
    status: () => jobStatus(env),
    start,
    stop,
    holder: env.holder,
  };
}

export type Scheduler = ReturnType<typeof createScheduler>;
