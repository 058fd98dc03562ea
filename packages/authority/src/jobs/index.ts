/** The authority's scheduled jobs, wired together. */
import type { ServiceContext } from "../context.js";
import { expiryNoticesJob, expiryWarningsJob } from "./expiry.js";
import { auditRetentionJob, keyRetentionJob, usageRetentionJob } from "./retention.js";
import { createScheduler } from "./scheduler.js";
import { createUnusedSweeper, unusedSweeperJob } from "./sweeper.js";

export const JOB_NAMES = [
  "expiry-warnings",
  "expiry-notices",
  "unused-sweeper",
  "key-retention",
  "audit-retention",
  "usage-retention",
] as const;

export function createJobs(ctx: ServiceContext, onError: (job: string, error: unknown) => void) {
  // Retention and sweeping need not run as often as announcements.
  const every = Math.max(ctx.config.jobsIntervalMs, 1000);
  const sweepUnused = createUnusedSweeper(ctx);
  const scheduler = createScheduler(
    ctx.db,
    ctx.clock,
    [
      expiryWarningsJob(ctx, every),
      expiryNoticesJob(ctx, every),
      unusedSweeperJob(ctx, every * 10, sweepUnused),
      keyRetentionJob(ctx, every * 60),
      auditRetentionJob(ctx, every * 60),
      usageRetentionJob(ctx, every * 60),
    ],
    onError,
  );
  return { scheduler, sweepUnused };
}

export type Jobs = ReturnType<typeof createJobs>;
