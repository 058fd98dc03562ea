/**
 * The findings feature: verifiers' usage reports are observed as they arrive (no database work
 * on the report's path), a pass every second runs the detectors over what was observed, stores
 * what they learned and the findings they opened or updated in one unit of work, then lets each
 * detector in `suspend` or `revoke` mode act. Canary uses open a finding at once, from the canary
 * service's subscription. Listeners (metrics) hear of every finding opened.
 */
import { sql } from "kysely";
import type { ServiceContext } from "../context.js";
import { chunks } from "../db/batches.js";
import type { FindingsTable } from "../db/schema.js";
import { runUnitOfWork } from "../db/transaction.js";
import type { Actor } from "../domain/actor.js";
import type { CanaryService, CanaryUse, KeyLifecycleService } from "../keys/index.js";
import type { StepUpService } from "../stepup/index.js";
import type { UsageEntry } from "../usage/index.js";
import { detect, type PassResult } from "./detect.js";
import { DETECTORS, type DetectorId } from "./detectors.js";
import { Observations } from "./observations.js";
import { type IssueReceipt, respond } from "./respond.js";
import { type DetectorSetting, type DetectorUpdate, listDetectors, loadSettings, updateDetector } from "./settings.js";
import {
  type FindingDraft,
  type FindingFilter,
  getFinding,
  listFindings,
  openOrUpdate,
  settleFinding,
  toFindingView,
} from "./store.js";

export const DETECTION_INTERVAL_MS = 1000;

export type FindingListener = (opened: ReturnType<typeof toFindingView>) => void;

export interface FindingsDeps {
  lifecycle: KeyLifecycleService;
  canaries: CanaryService;
  stepUp: StepUpService;
  issueReceipt: IssueReceipt;
  onError: (error: unknown) => void;
}

async function store(ctx: ServiceContext, result: PassResult) {
  return runUnitOfWork(ctx, async (unit) => {
    for (const rows of chunks(result.known, 200)) {
      await unit.trx
        .insertInto("finding_known")
        .values(rows)
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
    for (const rows of chunks(result.states, 200)) {
      await unit.trx
        .insertInto("finding_key_state")
        .values(rows)
        .onConflict((oc) =>
          oc.column("key_id").doUpdateSet({
            minute: sql`excluded.minute`,
            minute_count: sql`excluded.minute_count`,
            mean: sql`excluded.mean`,
            variance: sql`excluded.variance`,
            samples: sql`excluded.samples`,
          }),
        )
        .execute();
    }
    const opened: FindingsTable[] = [];
    for (const draft of result.drafts) {
      const { row, opened: isNew } = await openOrUpdate(unit, draft);
      if (isNew) opened.push(row);
    }
    return opened;
  });
}

function canaryDrafts(uses: CanaryUse[]): FindingDraft[] {
  return uses.map((use) => ({
    detector: "canary_used",
    severity: DETECTORS.canary_used.severity,
    dedupeKey: `canary_used:${use.keyId}`,
    keyId: use.keyId,
    principalId: use.principalId,
    at: use.at,
    count: use.count,
    evidence: { address: use.address, userAgent: use.userAgent, route: use.route, reportedBy: use.reportedBy },
    mode: "alert",
  }));
}

export function createFindingsService(ctx: ServiceContext, deps: FindingsDeps) {
  let observations = new Observations();
  const burst = new Map<string, { minute: number; count: number }>();
  const listeners = new Set<FindingListener>();
  let timer: NodeJS.Timeout | undefined;
  let passing: Promise<void> = Promise.resolve();

  async function afterOpened(opened: FindingsTable[], settings: Map<DetectorId, DetectorSetting>) {
    for (const row of opened) {
      for (const listener of listeners) listener(toFindingView(row));
      const setting = settings.get(row.detector as DetectorId);
      if (setting) await respond(ctx, deps, row, setting);
    }
  }

  async function runPass(batch: Observations): Promise<void> {
    if (batch.keys.size === 0 && batch.failures.size === 0) return;
    const settings = await loadSettings(ctx);
    const result = await detect(ctx, batch, { settings, now: ctx.clock.now(), burst });
    await afterOpened(await store(ctx, result), settings);
  }

  /** Runs the detectors over everything observed so far; passes run one at a time. */
  function flush(): Promise<void> {
    const batch = observations;
    observations = new Observations();
    passing = passing.then(() => runPass(batch)).catch(deps.onError);
    return passing;
  }

  deps.canaries.subscribe(async (uses) => {
    const settings = await loadSettings(ctx);
    if (settings.get("canary_used")?.mode === "off") return;
    await afterOpened(await store(ctx, { drafts: canaryDrafts(uses), known: [], states: [] }), settings);
  });

  return {
    /** Folds a verifier's usage report in; detection runs on the next pass. */
    observe: (entries: readonly UsageEntry[]) => observations.add(entries, ctx.clock.now()),
    flush,
    start() {
      if (timer) return;
      timer = setInterval(() => void flush(), DETECTION_INTERVAL_MS);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await flush();
    },
    subscribe(listener: FindingListener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    list: (filter: FindingFilter) => listFindings(ctx, filter),
    get: (id: string) => getFinding(ctx, id),
    acknowledge: (id: string, note: string, actor: Actor) => settleFinding(ctx, id, "acknowledged", note, actor),
    resolve: (id: string, note: string, actor: Actor) => settleFinding(ctx, id, "resolved", note, actor),
    detectors: () => listDetectors(ctx),
    updateDetector: (id: string, input: DetectorUpdate, actor: Actor) =>
      updateDetector(ctx, deps.stepUp, id, input, actor),
  };
}

export type FindingsService = ReturnType<typeof createFindingsService>;
