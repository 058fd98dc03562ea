/**
 * API key views and state, computed from stored rows. Pure: no I/O.
 */
import type { KeyRecordWire } from "@tessera/verifier/wire";
import type { ApiKeysTable, PrincipalsTable } from "../db/schema.js";

/**
 * What a key is now. `expired` is derived from the expiry, so it holds from the very moment.
 * `suspended` overlays the stored status (active or deprecated) until the key is resumed;
 * revoked and expired are final and win over it.
 */
export type KeyState = "active" | "deprecated" | "suspended" | "revoked" | "expired";

export const KEY_STATES: readonly KeyState[] = ["active", "deprecated", "suspended", "revoked", "expired"];

export function keyState(
  row: Pick<ApiKeysTable, "status" | "expires_at"> & { suspended_at?: number | null },
  now: number,
): KeyState {
  if (row.status === "revoked") return "revoked";
  if (row.expires_at !== null && now >= row.expires_at) return "expired";
  if (row.suspended_at !== null && row.suspended_at !== undefined) return "suspended";
  return row.status;
}

/** A key as the API shows it. Never contains the secret or its hash. */
export interface KeyView {
  id: string;
  principalId: string;
  start: string;
  scopes: string[];
  audience: string | null;
  description: string;
  metadata: Record<string, unknown>;
  state: KeyState;
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  revokedBy: string | null;
  revokedReason: string | null;
  replacedBy: string | null;
  replaces: string | null;
  graceUntil: string | null;
  suspendedAt: string | null;
  suspendedBy: string | null;
  suspendedReason: string | null;
  /** The principal whose suspension suspended this key (null: suspended by itself, or not suspended). */
  suspendedVia: string | null;
  /** A canary key: a decoy that grants nothing (see docs/monitoring.md). */
  canary: boolean;
}

export const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function toKeyView(row: ApiKeysTable, now: number): KeyView {
  return {
    id: row.id,
    principalId: row.principal_id,
    start: row.start,
    scopes: JSON.parse(row.scopes) as string[],
    audience: row.audience,
    description: row.description,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    state: keyState(row, now),
    createdAt: iso(row.created_at) as string,
    createdBy: row.created_by,
    expiresAt: iso(row.expires_at),
    lastUsedAt: iso(row.last_used_at),
    revokedAt: iso(row.revoked_at),
    revokedBy: row.revoked_by,
    revokedReason: row.revoked_reason,
    replacedBy: row.replaced_by,
    replaces: row.replaces,
    graceUntil: iso(row.grace_until),
    suspendedAt: iso(row.suspended_at ?? null),
    suspendedBy: row.suspended_by ?? null,
    suspendedReason: row.suspended_reason ?? null,
    suspendedVia: row.suspended_via ?? null,
    canary: Number(row.canary ?? 0) === 1,
  };
}

/**
 * What verifiers need to hold a key in their replica: carried by the change feed.
 * The hash, never the secret. The wire contract's record (`@tessera/verifier/wire`).
 */
export type KeyReplicaRecord = KeyRecordWire;

export function toReplicaRecord(row: ApiKeysTable): KeyReplicaRecord {
  // A record without its ordinal would leave verifiers unable to apply range revocations to it.
  if (typeof row.ordinal !== "number") throw new Error(`key ${row.id}: a replica record needs the key's ordinal`);
  return {
    id: row.id,
    ordinal: row.ordinal,
    hash: row.key_hash,
    principalId: row.principal_id,
    scopes: JSON.parse(row.scopes) as string[],
    audience: row.audience,
    expiresAt: row.expires_at,
    deprecated: row.status === "deprecated",
    // Only when set: a record without them is an ordinary key to every replica.
    ...(row.suspended_at !== null && row.suspended_at !== undefined ? { suspended: true } : {}),
    ...(Number(row.canary ?? 0) === 1 ? { canary: true } : {}),
  };
}

export interface PrincipalView {
  id: string;
  name: string;
  kind: PrincipalsTable["kind"];
  owner: string;
  status: PrincipalsTable["status"];
  allowedScopes: string[];
  metadata: Record<string, unknown>;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  disabledAt: string | null;
  disabledReason: string | null;
  /** Suspended: its keys are suspended and it receives no new key until resumed. */
  suspendedAt: string | null;
  suspendedReason: string | null;
}

export function toPrincipalView(row: PrincipalsTable): PrincipalView {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    owner: row.owner,
    status: row.status,
    allowedScopes: JSON.parse(row.allowed_scopes) as string[],
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    createdAt: iso(row.created_at) as string,
    createdBy: row.created_by,
    updatedAt: iso(row.updated_at) as string,
    disabledAt: iso(row.disabled_at),
    disabledReason: row.disabled_reason,
    suspendedAt: iso(row.suspended_at ?? null),
    suspendedReason: row.suspended_reason ?? null,
  };
}
