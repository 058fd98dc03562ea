/**
 * Row types of the monitoring tables: the usage store (migration 0014) and findings and
 * detectors (0015). Data only; `schema.ts` lists them in the database's `Schema`.
 */

/** Verifications per key, outcome and bucket (`m`: minute, `h`: hour; bucket = its start, epoch ms). */
export interface KeyUsageTable {
  key_id: string;
  granularity: UsageGranularity;
  bucket: number;
  outcome: string;
  count: number;
}

export type UsageGranularity = "m" | "h";
export type UsageDimension = "address" | "network" | "user_agent" | "route";

export interface KeyUsageSeenTable {
  key_id: string;
  dimension: UsageDimension;
  value: string;
  first_seen: number;
  last_seen: number;
  count: number;
}

export interface KeyUsageDroppedTable {
  key_id: string;
  dimension: UsageDimension;
  dropped: number;
}

export interface FleetUsageTable {
  granularity: UsageGranularity;
  bucket: number;
  outcome: string;
  count: number;
}

export type FindingState = "open" | "acknowledged" | "resolved";

export interface FindingsTable {
  id: string;
  detector: string;
  severity: string;
  state: FindingState;
  dedupe_key: string;
  key_id: string | null;
  principal_id: string | null;
  first_at: number;
  last_at: number;
  count: number;
  /** JSON: what was seen against the key's own baseline. */
  evidence: string;
  /** The detector's mode when the finding opened (alert, suspend, revoke). */
  mode: string;
  /** What was done (`suspended`, `revoked`), or what a stricter mode would have done (`would_suspend`), or why not. */
  action: string | null;
  action_sequence: number | null;
  /** The receipt of the action (`rct_...`): which verifiers confirmed it. */
  action_receipt: string | null;
  note: string | null;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
  resolved_at: number | null;
  resolved_by: string | null;
  created_at: number;
  updated_at: number;
}

export interface DetectorSettingsTable {
  id: string;
  mode: string;
  learning_period_ms: number;
  params: string;
  updated_at: number;
  updated_by: string;
}

export interface FindingKnownTable {
  key_id: string;
  dimension: "network" | "user_agent";
  value: string;
  first_seen: number;
}

export interface FindingKeyStateTable {
  key_id: string;
  learning_since: number;
  minute: number;
  minute_count: number;
  mean: number;
  variance: number;
  samples: number;
}
