/** Export files: each owner's, handed out once. */
import { runUnitOfWork } from "../db/transaction.js";
import type { Actor } from "../domain/actor.js";
import { iso } from "../domain/keys.js";
import { notFound, TesseraError } from "../errors.js";
import { isCampaignId } from "./ids.js";
import { type CampaignEnv, type CampaignExport, loadCampaign } from "./model.js";

/** Hands out an owner's export file, once: the stored ciphertext is erased as it is read. */
export async function takeCampaignExport(
  env: CampaignEnv,
  id: string,
  owner: string,
  actor: Actor,
): Promise<CampaignExport> {
  if (!isCampaignId(id)) throw notFound("campaign", id);
  return runUnitOfWork(env, async (unit) => {
    const campaign = await loadCampaign(unit.trx, id);
    if (campaign.status === "rolled_back") {
      throw new TesseraError(
        "campaign_state",
        `campaign ${id} was rolled back: its replacements are revoked and its export files erased`,
        { details: { status: campaign.status } },
      );
    }
    const row = await unit.trx
      .selectFrom("campaign_exports")
      .selectAll()
      .where("campaign_id", "=", id)
      .where("owner", "=", owner)
      .executeTakeFirst();
    if (!row) {
      throw new TesseraError("not_found", `campaign ${id} has no export for owner ${owner}`, {
        details: { owner },
      });
    }
    const taken = await unit.trx
      .updateTable("campaign_exports")
      .set({ jwe: null, consumed_at: unit.now, consumed_by: actor.id })
      .where("campaign_id", "=", id)
      .where("owner", "=", owner)
      .where("consumed_at", "is", null)
      .executeTakeFirst();
    if (Number(taken.numUpdatedRows) !== 1 || row.jwe === null) {
      throw new TesseraError(
        "export_consumed",
        `the export of campaign ${id} for owner ${owner} was already handed out${row.consumed_at ? ` at ${iso(row.consumed_at)}` : ""}`,
        { details: { owner, consumedAt: iso(row.consumed_at), consumedBy: row.consumed_by } },
      );
    }
    await unit.appendAudit({
      actor: actor.id,
      action: "campaign.export_taken",
      targetType: "campaign",
      targetId: id,
      requestId: actor.requestId ?? null,
      data: { owner, keys: Number(row.key_count) },
    });
    return { campaignId: id, owner, keys: Number(row.key_count), jwe: row.jwe };
  });
}
