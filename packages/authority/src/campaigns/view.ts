/** A campaign as the API shows it. */
import type { CampaignsTable } from "../db/schema.js";
import { iso } from "../domain/keys.js";
import { formatDuration } from "../duration.js";
import type { CampaignSelector } from "./selection.js";

export interface CampaignView {
  id: string;
  status: CampaignsTable["status"];
  description: string;
  selector: Record<string, unknown>;
  /** Replacements keep only these of each old key's scopes; null keeps them all. */
  scopes: string[] | null;
  grace: string;
  expiresIn: string | null;
  /** Owners with an export recipient key on file. */
  exportRecipients: string[];
  createdAt: string;
  createdBy: string;
  executedAt: string | null;
  executedBy: string | null;
  graceUntil: string | null;
  keys: number;
  finishedAt: string | null;
  finishedBy: string | null;
  forced: boolean;
}

/** The selector with its times as ISO strings, as the caller wrote them. */
export function selectorView(selector: CampaignSelector): Record<string, unknown> {
  const out: Record<string, unknown> = { ...selector };
  if (selector.createdBefore !== undefined) out.createdBefore = iso(selector.createdBefore);
  if (selector.createdAfter !== undefined) out.createdAfter = iso(selector.createdAfter);
  return out;
}

export function toCampaignView(row: CampaignsTable): CampaignView {
  return {
    id: row.id,
    status: row.status,
    description: row.description,
    selector: selectorView(JSON.parse(row.selector) as CampaignSelector),
    scopes: row.scopes === null ? null : (JSON.parse(row.scopes) as string[]),
    grace: formatDuration(row.grace_ms),
    expiresIn: row.expires_in_ms === null ? null : formatDuration(row.expires_in_ms),
    exportRecipients: Object.keys(JSON.parse(row.recipients) as Record<string, unknown>).sort(),
    createdAt: iso(row.created_at) as string,
    createdBy: row.created_by,
    executedAt: iso(row.executed_at),
    executedBy: row.executed_by,
    graceUntil: iso(row.grace_until),
    keys: Number(row.key_count),
    finishedAt: iso(row.finished_at),
    finishedBy: row.finished_by,
    forced: row.forced === 1,
  };
}
