/**
 * What a detector in `suspend` or `revoke` mode does about a finding it opened: suspends or
 * revokes the key, as the actor `detector:<id>` with the finding as the reason (audited, in the
 * change log, with a receipt like any suspension or revocation). Never more than the detector's
 * `maxActionsPerHour` (a detector must never mass-revoke on its own: past the cap it only
 * alerts), never on a key holding admin scopes (an operator locked out by a detector is an
 * outage), and in `alert` mode the finding says what the stricter modes would have done.
 */
import type { ServiceContext } from "../context.js";
import type { FindingsTable } from "../db/schema.js";
import { runUnitOfWork } from "../db/transaction.js";
import type { Actor } from "../domain/actor.js";
import { ADMIN_SCOPES, isAdminScope } from "../domain/scopes.js";
import type { KeyLifecycleService } from "../keys/index.js";
import { DETECTORS, type DetectorId } from "./detectors.js";
import type { DetectorSetting } from "./settings.js";

const HOUR = 3_600_000;

function detectorActor(id: DetectorId): Actor {
  return { id: `detector:${id}`, scopes: new Set(ADMIN_SCOPES) };
}

/** Issues the receipt of an action's change (verifiers' confirmations accrue to it). */
export type IssueReceipt = (sequence: number, actorId: string) => Promise<{ id: string }>;

async function record(
  ctx: ServiceContext,
  row: FindingsTable,
  action: string,
  sequence: number | null,
  receipt: string | null = null,
) {
  await runUnitOfWork(ctx, async (unit) => {
    await unit.trx
      .updateTable("findings")
      .set({ action, action_sequence: sequence, action_receipt: receipt, updated_at: unit.now })
      .where("id", "=", row.id)
      .execute();
    await unit.appendAudit({
      actor: `detector:${row.detector}`,
      action: "finding.acted",
      targetType: "finding",
      targetId: row.id,
      reason: action,
      requestId: null,
      data: { keyId: row.key_id, sequence, receipt },
    });
  });
}

async function actionsInLastHour(ctx: ServiceContext, detector: string, now: number): Promise<number> {
  const row = await ctx.db
    .selectFrom("findings")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("detector", "=", detector)
    .where("action", "in", ["suspended", "revoked"])
    .where("updated_at", ">", now - HOUR)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Acts on (or annotates) a newly opened finding per its detector's setting. */
export async function respond(
  ctx: ServiceContext,
  deps: { lifecycle: KeyLifecycleService; issueReceipt: IssueReceipt },
  row: FindingsTable,
  setting: DetectorSetting,
): Promise<void> {
  const id = row.detector as DetectorId;
  if (!DETECTORS[id].actsOnKey || !row.key_id) return;
  if (setting.mode === "alert") {
    return record(ctx, row, `alert only: suspend mode would suspend ${row.key_id}, revoke mode would revoke it`, null);
  }
  if (setting.mode !== "suspend" && setting.mode !== "revoke") return;
  const key = await ctx.db.selectFrom("api_keys").select("scopes").where("id", "=", row.key_id).executeTakeFirst();
  if (key && (JSON.parse(key.scopes) as string[]).some(isAdminScope)) {
    return record(
      ctx,
      row,
      `not ${setting.mode}ed: ${row.key_id} holds admin scopes (detectors never act on those)`,
      null,
    );
  }
  const cap = setting.params.maxActionsPerHour ?? 10;
  if ((await actionsInLastHour(ctx, id, ctx.clock.now())) >= cap) {
    return record(ctx, row, `alert only: ${id} reached its cap of ${cap} automatic actions per hour`, null);
  }
  const reason = `finding ${row.id} (${id}): ${DETECTORS[id].doc}`;
  try {
    const actor = detectorActor(id);
    const result =
      setting.mode === "suspend"
        ? await deps.lifecycle.suspend(row.key_id, reason, actor)
        : await deps.lifecycle.revoke(row.key_id, reason, actor);
    const receipt = result.sequence === null ? null : (await deps.issueReceipt(result.sequence, actor.id)).id;
    await record(ctx, row, setting.mode === "suspend" ? "suspended" : "revoked", result.sequence, receipt);
  } catch (error) {
    await record(ctx, row, `not ${setting.mode}ed: ${(error as Error).message}`, null);
  }
}
