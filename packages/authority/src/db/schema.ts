/**
 * Table types for Kysely. One schema for SQLite and PostgreSQL: times are epoch
 * milliseconds (bigint), structured values are JSON text, so that every query is the same
 * on both engines.
 */

import type {
  DetectorSettingsTable,
  FindingKeyStateTable,
  FindingKnownTable,
  FindingsTable,
  FleetUsageTable,
  KeyUsageDroppedTable,
  KeyUsageSeenTable,
  KeyUsageTable,
} from "./schema-monitoring.js";
import type {
  SsfOutboxTable,
  SsfReceivedSetsTable,
  SsfSigningKeysTable,
  SsfStreamsTable,
  SsfSubjectsTable,
  SsfTransmittersTable,
} from "./schema-ssf.js";
export type PrincipalKind = "user" | "service" | "app";
export type PrincipalStatus = "active" | "disabled";
/** Stored key states. "expired" is derived from `expires_at` at read time, never stored. */
export type StoredKeyStatus = "active" | "deprecated" | "revoked";

export interface PrincipalsTable {
  id: string;
  name: string;
  kind: PrincipalKind;
  owner: string;
  status: PrincipalStatus;
  /** JSON array of the scopes this principal's credentials may carry. */
  allowed_scopes: string;
  /** JSON object. */
  metadata: string;
  created_at: number;
  updated_at: number;
  created_by: string;
  disabled_at: number | null;
  disabled_reason: string | null;
  /** Suspended (migration 0013): its keys are suspended until it is resumed. */
  suspended_at?: number | null;
  suspended_reason?: string | null;
}

export interface ApiKeysTable {
  id: string;
  principal_id: string;
  /** base64url SHA-256 of the whole token: the only stored form of the secret. */
  key_hash: string;
  /** Prefix and first characters, for display. Not enough to guess the key. */
  start: string;
  /** JSON array. */
  scopes: string;
  audience: string | null;
  description: string;
  /** JSON object. */
  metadata: string;
  status: StoredKeyStatus;
  created_at: number;
  created_by: string;
  expires_at: number | null;
  revoked_at: number | null;
  revoked_by: string | null;
  revoked_reason: string | null;
  /** Set on a key deprecated by rotation: the key that replaces it. */
  replaced_by: string | null;
  /** Set on a replacement key: the key it rotated. */
  replaces: string | null;
  /** For a deprecated key: the end of its grace window (also its new expiry). */
  grace_until: number | null;
  /** For a deprecated key: its expiry before rotation, restored by a rollback. */
  expires_at_before_rotation: number | null;
  last_used_at: number | null;
  /** When the key.expiring event was sent (once per key). */
  expiry_warned_at?: number | null;
  /** When the key.expired event was sent (once per key). */
  expiry_noticed_at?: number | null;
  /**
   * Unique, assigned by the database on insert, never changed (migration 0009): verifiers
   * are told large revocations as ranges of ordinals. Absent only on a row not yet inserted.
   */
  ordinal?: number;
  /** Suspended (migration 0013): refused everywhere until resumed; `status` is kept. */
  suspended_at: number | null;
  suspended_by: string | null;
  suspended_reason: string | null;
  /** The principal whose suspension suspended this key; null when suspended by itself. */
  suspended_via: string | null;
  /** 1: a canary key (a decoy that grants nothing), set at issue (migration 0013). */
  canary: number;
}

/** Leases of scheduled jobs: one instance runs a job at a time, and not twice per interval. */
export interface JobRunsTable {
  name: string;
  holder: string | null;
  lease_until: number;
  last_started_at: number | null;
  last_finished_at: number | null;
  /** JSON summary of the last run. */
  last_result: string | null;
}

export interface AuditLogTable {
  seq: number;
  at: number;
  actor: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  reason: string | null;
  request_id: string | null;
  /** JSON object, hashed exactly as stored. */
  data: string;
  prev_hash: string;
  hash: string;
}

export interface ChangeLogTable {
  seq: number;
  at: number;
  type: string;
  /** JSON object. */
  data: string;
}

/** Counters that serialise writers: `change` and `audit`. `last_hash` is the audit chain head. */
export interface SequencesTable {
  name: string;
  value: number;
  last_hash: string | null;
}

/** An Ed25519 signing key of access tokens; the private part is AES-256-GCM under the master key. */
export interface OAuthSigningKeysTable {
  kid: string;
  alg: string;
  /** JSON public JWK. */
  public_jwk: string;
  /** `v1.<iv>.<ciphertext>.<tag>` (base64url) of the PKCS#8 private key. */
  private_key_enc: string;
  created_at: number;
  /** When the key starts signing; published before that (epoch ms). */
  not_before: number;
  /** Scheduled retirement (epoch ms), once every token it signed has expired. */
  retire_at: number | null;
  retired_at: number | null;
  /** 1 when retired in an emergency: every token it signed is invalid at once. */
  emergency: number;
}

/** A grant: the family of every access and refresh token issued from one grant. */
export interface OAuthGrantFamiliesTable {
  id: string;
  /** The client (a principal id). */
  client_id: string;
  grant_type: string;
  /** Space-separated scope of the grant: refreshes may narrow, never widen it. */
  scope: string;
  audience: string | null;
  /** DPoP key thumbprint the family's tokens are bound to. */
  jkt: string | null;
  created_at: number;
  /** Absolute end of the family (refresh tokens stop working); epoch ms. */
  expires_at: number;
  /** Latest `exp` (epoch s) of any access token issued in the family. */
  max_access_exp: number;
  revoked_at: number | null;
  revoked_reason: string | null;
}

export interface OAuthRefreshTokensTable {
  /** base64url SHA-256 of the refresh token: the only stored form. */
  token_hash: string;
  family_id: string;
  created_at: number;
  /** End of the inactivity window (epoch ms). */
  expires_at: number;
  /** Set when rotated: presenting it again is reuse. */
  used_at: number | null;
}

export interface OAuthRevokedAccessTokensTable {
  jti: string;
  /** Epoch seconds: the row matters until then. */
  exp: number;
  principal_id: string;
  family_id: string | null;
  revoked_at: number;
}

export interface OAuthPrincipalCutoffsTable {
  principal_id: string;
  /** Epoch seconds: access tokens of the principal with `iat` before it are revoked. */
  cutoff_s: number;
  /** Epoch ms after which no token the cutoff covers can still be unexpired. */
  expires_at: number;
}

/** DPoP proofs seen within their window: a unique key refuses a replay on every instance. */
export interface OAuthDpopProofsTable {
  key: string;
  expires_at: number;
}

/** An emergency rotation campaign (see campaigns/). */
export type CampaignStatus = "draft" | "executed" | "finalized" | "rolled_back";

export interface CampaignsTable {
  id: string;
  status: CampaignStatus;
  description: string;
  /** JSON KeySelector (times in epoch ms). */
  selector: string;
  /** JSON array: replacements keep only these of the old key's scopes; null keeps them all. */
  scopes: string | null;
  grace_ms: number;
  /** Lifetime of the replacements; null: the policy default. */
  expires_in_ms: number | null;
  /** JSON object owner -> public JWK of export recipients named before execution. */
  recipients: string;
  created_at: number;
  created_by: string;
  /** JSON array: the admin scopes the creating key held (migration 0011). */
  created_scopes: string;
  executed_at: number | null;
  executed_by: string | null;
  grace_until: number | null;
  key_count: number;
  /** When it was finalized or rolled back, and by whom. */
  finished_at: number | null;
  finished_by: string | null;
  /** 1 when finalize or rollback overrode the in-use check. */
  forced: number;
}

/** One credential of a campaign: the old key and its pre-generated replacement. */
export interface CampaignKeysTable {
  campaign_id: string;
  old_key_id: string;
  new_key_id: string;
  principal_id: string;
  owner: string;
}

/** An owner's export file: a JWE only the owner can open, emptied once handed out. */
export interface CampaignExportsTable {
  campaign_id: string;
  owner: string;
  recipient_jwk: string;
  jwe: string | null;
  key_count: number;
  created_at: number;
  consumed_at: number | null;
  consumed_by: string | null;
}

/** A principal's TOTP second factor (step-up); one per principal. */
export interface TotpEnrolmentsTable {
  principal_id: string;
  /** The TOTP secret, AES-256-GCM under the master key (context `totp:<principalId>`). */
  secret_enc: string;
  /** `pending` until a first code confirms it, then `active`. */
  status: "pending" | "active";
  created_at: number;
  activated_at: number | null;
  /** The last accepted time step: a code of this step or an earlier one is a replay. */
  last_step: number | null;
  last_used_at: number | null;
}

/** Single-use recovery codes of a TOTP enrolment: a keyed hash only (stepup/recovery-codes.ts). */
export interface TotpRecoveryCodesTable {
  principal_id: string;
  code_hash: string;
  used_at: number | null;
}

/** Recent wrong or replayed second-factor codes of a principal: the rate limit's window. */
export interface StepUpFailuresTable {
  principal_id: string;
  at: number;
}

// Webhooks (webhooks/): endpoints, the deliveries outbox, attempts, and the change-log cursor.

export type WebhookStatus = "active" | "disabled";
/** `pending` includes a delivery in flight (claimed until `next_attempt_at`). */
export type DeliveryStatus = "pending" | "delivered" | "failed" | "cancelled";

export interface WebhookEndpointsTable {
  id: string;
  url: string;
  /** Deliver only events about principals with this owner; null: every event. */
  owner: string | null;
  /** JSON array of subscription patterns (event names, `prefix.*`, `*`). */
  events: string;
  description: string;
  status: WebhookStatus;
  /** The signing secret, AES-256-GCM under the master key, context `webhook:<id>`. */
  secret_enc: string;
  /** The secret before the last rotation, still used to sign until `previous_secret_until`. */
  previous_secret_enc: string | null;
  previous_secret_until: number | null;
  /** Change-log sequence at creation: only later changes are delivered to this endpoint. */
  from_seq: number;
  created_at: number;
  created_by: string;
  updated_at: number;
  disabled_at: number | null;
  disabled_by: string | null;
  disabled_reason: string | null;
}

export interface WebhookDeliveriesTable {
  id: string;
  endpoint_id: string;
  /** The event's id (`evt_...`): the same for every endpoint that receives the event. */
  event_id: string;
  event_type: string;
  event_at: number;
  /** The change-log entry the event came from; null for distributed secrets and tests. */
  change_seq: number | null;
  /** JSON of the event's `data`, never holding a secret. */
  data: string;
  /** A distributed secret, encrypted under the master key (context bound to this delivery); erased once delivered or failed. */
  secret_enc: string | null;
  status: DeliveryStatus;
  attempts: number;
  /** When the next attempt is due; while one is in flight, when its claim lapses. Null once final. */
  next_attempt_at: number | null;
  /** The claim of the attempt in flight, so only its holder records the outcome. */
  lease_id: string | null;
  last_attempt_at: number | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: number | null;
  created_at: number;
}

export interface WebhookDeliveryAttemptsTable {
  delivery_id: string;
  attempt: number;
  at: number;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
}

/** The dispatcher's position in the change log (one row, `change_log`). */
export interface WebhookCursorTable {
  name: string;
  seq: number;
}

export type {
  DetectorSettingsTable,
  FindingKeyStateTable,
  FindingKnownTable,
  FindingState,
  FindingsTable,
  FleetUsageTable,
  KeyUsageDroppedTable,
  KeyUsageSeenTable,
  KeyUsageTable,
  UsageDimension,
  UsageGranularity,
} from "./schema-monitoring.js";

export interface Schema {
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_delivery_attempts: WebhookDeliveryAttemptsTable;
  webhook_cursor: WebhookCursorTable;
  principals: PrincipalsTable;
  api_keys: ApiKeysTable;
  audit_log: AuditLogTable;
  change_log: ChangeLogTable;
  sequences: SequencesTable;
  job_runs: JobRunsTable;
  oauth_signing_keys: OAuthSigningKeysTable;
  oauth_grant_families: OAuthGrantFamiliesTable;
  oauth_refresh_tokens: OAuthRefreshTokensTable;
  oauth_revoked_access_tokens: OAuthRevokedAccessTokensTable;
  oauth_principal_cutoffs: OAuthPrincipalCutoffsTable;
  oauth_dpop_proofs: OAuthDpopProofsTable;
  totp_enrolments: TotpEnrolmentsTable;
  totp_recovery_codes: TotpRecoveryCodesTable;
  stepup_failures: StepUpFailuresTable;
  campaigns: CampaignsTable;
  campaign_keys: CampaignKeysTable;
  campaign_exports: CampaignExportsTable;
  key_usage: KeyUsageTable;
  key_usage_seen: KeyUsageSeenTable;
  key_usage_dropped: KeyUsageDroppedTable;
  fleet_usage: FleetUsageTable;
  findings: FindingsTable;
  detector_settings: DetectorSettingsTable;
  finding_known: FindingKnownTable;
  finding_key_state: FindingKeyStateTable;
  ssf_streams: SsfStreamsTable;
  ssf_subjects: SsfSubjectsTable;
  ssf_outbox: SsfOutboxTable;
  ssf_transmitters: SsfTransmittersTable;
  ssf_received_sets: SsfReceivedSetsTable;
  ssf_signing_keys: SsfSigningKeysTable;
}
