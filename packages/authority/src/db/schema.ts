/**
 * Table types for Kysely. One schema for SQLite and PostgreSQL: times are epoch
 * milliseconds (bigint), structured values are JSON text, so that every query is the same
 * on both engines.
 */

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

export interface Schema {
  principals: PrincipalsTable;
  api_keys: ApiKeysTable;
  audit_log: AuditLogTable;
  change_log: ChangeLogTable;
  sequences: SequencesTable;
}
