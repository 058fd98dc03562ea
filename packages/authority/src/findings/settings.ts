/**
 * Detector settings: each detector's mode, learning period and parameters. Defaults (every
 * detector `alert`, a 7-day learning period) hold until an operator changes one; a change is
 * one unit of work with its `detector.updated` audit record. Setting `revoke` needs step-up: a
 * detector that revokes on its own is the most dangerous thing an operator can switch on.
 */
import type { ServiceContext } from "../context.js";
import { runUnitOfWork } from "../db/transaction.js";
import type { Actor } from "../domain/actor.js";
import { formatDuration, parseDuration } from "../duration.js";
import { notFound, validationFailed } from "../errors.js";
import type { StepUpInput, StepUpService } from "../stepup/index.js";
import {
  checkParams,
  DEFAULT_LEARNING_PERIOD_MS,
  DETECTOR_IDS,
  DETECTORS,
  type DetectorId,
  type DetectorMode,
  defaultParams,
  isDetectorId,
  MAX_LEARNING_PERIOD_MS,
  MODES,
} from "./detectors.js";

export interface DetectorSetting {
  id: DetectorId;
  mode: DetectorMode;
  learningPeriodMs: number;
  params: Record<string, number>;
}

export interface DetectorView {
  id: DetectorId;
  severity: string;
  description: string;
  mode: DetectorMode;
  /** The modes this detector takes (those that act need a key to act on). */
  modes: DetectorMode[];
  learningPeriod: string;
  params: Record<string, number>;
  updatedAt: string | null;
  updatedBy: string | null;
}

export interface DetectorUpdate {
  mode?: string;
  learningPeriod?: string;
  params?: Record<string, unknown>;
  stepUp?: StepUpInput;
}

const modesOf = (id: DetectorId): DetectorMode[] =>
  DETECTORS[id].actsOnKey ? [...MODES] : MODES.filter((m) => m === "off" || m === "alert");

export async function loadSettings(ctx: ServiceContext): Promise<Map<DetectorId, DetectorSetting>> {
  const rows = await ctx.db.selectFrom("detector_settings").selectAll().execute();
  const stored = new Map(rows.map((r) => [r.id, r]));
  return new Map(
    DETECTOR_IDS.map((id) => {
      const row = stored.get(id);
      const setting: DetectorSetting = row
        ? {
            id,
            mode: row.mode as DetectorMode,
            learningPeriodMs: Number(row.learning_period_ms),
            params: { ...defaultParams(id), ...(JSON.parse(row.params) as Record<string, number>) },
          }
        : { id, mode: "alert", learningPeriodMs: DEFAULT_LEARNING_PERIOD_MS, params: defaultParams(id) };
      return [id, setting];
    }),
  );
}

export async function listDetectors(ctx: ServiceContext): Promise<DetectorView[]> {
  const settings = await loadSettings(ctx);
  const rows = await ctx.db.selectFrom("detector_settings").select(["id", "updated_at", "updated_by"]).execute();
  const updated = new Map(rows.map((r) => [r.id, r]));
  return DETECTOR_IDS.map((id) => {
    const s = settings.get(id) as DetectorSetting;
    const row = updated.get(id);
    return {
      id,
      severity: DETECTORS[id].severity,
      description: DETECTORS[id].doc,
      mode: s.mode,
      modes: modesOf(id),
      learningPeriod: formatDuration(s.learningPeriodMs),
      params: s.params,
      updatedAt: row ? new Date(Number(row.updated_at)).toISOString() : null,
      updatedBy: row?.updated_by ?? null,
    };
  });
}

function checkUpdate(id: DetectorId, current: DetectorSetting, input: DetectorUpdate): DetectorSetting {
  const mode = (input.mode ?? current.mode) as DetectorMode;
  if (!modesOf(id).includes(mode)) {
    throw validationFailed(`${id} takes mode ${modesOf(id).join(", ")}`, { field: "mode" });
  }
  const learningPeriodMs =
    input.learningPeriod === undefined
      ? current.learningPeriodMs
      : parseDuration(input.learningPeriod, "learningPeriod");
  if (learningPeriodMs < 0 || learningPeriodMs > MAX_LEARNING_PERIOD_MS) {
    throw validationFailed("learningPeriod must be from 0s to 365d", { field: "learningPeriod" });
  }
  const params = input.params === undefined ? current.params : checkParams(id, { ...current.params, ...input.params });
  return { id, mode, learningPeriodMs, params };
}

export async function updateDetector(
  ctx: ServiceContext,
  stepUp: StepUpService,
  idText: string,
  input: DetectorUpdate,
  actor: Actor,
): Promise<DetectorView> {
  if (!isDetectorId(idText)) throw notFound("detector", idText);
  const id = idText;
  const current = (await loadSettings(ctx)).get(id) as DetectorSetting;
  const next = checkUpdate(id, current, input);
  const proof =
    next.mode === "revoke" && current.mode !== "revoke"
      ? await stepUp.require(actor, input.stepUp, `detector.${id}.revoke`)
      : null;
  await runUnitOfWork(ctx, async (unit) => {
    const row = {
      id,
      mode: next.mode,
      learning_period_ms: next.learningPeriodMs,
      params: JSON.stringify(next.params),
      updated_at: unit.now,
      updated_by: actor.id,
    };
    await unit.trx
      .insertInto("detector_settings")
      .values(row)
      .onConflict((oc) => oc.column("id").doUpdateSet({ ...row }))
      .execute();
    await unit.appendAudit({
      actor: actor.id,
      action: "detector.updated",
      targetType: "detector",
      targetId: id,
      reason: proof?.justification ?? null,
      requestId: actor.requestId ?? null,
      data: {
        before: { mode: current.mode, learningPeriodMs: current.learningPeriodMs, params: current.params },
        after: { mode: next.mode, learningPeriodMs: next.learningPeriodMs, params: next.params },
        ...(proof ? { stepUp: proof.method } : {}),
      },
    });
  });
  return (await listDetectors(ctx)).find((d) => d.id === id) as DetectorView;
}
