/** The shapes of the admin API's answers that the pages read (see the authority's /openapi.json). */
export type KeyState = "active" | "deprecated" | "suspended" | "revoked" | "expired";

export interface Key {
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
  suspendedReason: string | null;
  canary: boolean;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Receipt {
  id: string;
  sequence: number;
  revokedAt: string;
  verifiers: { confirmed: number; total: number };
  slowestConfirmationMs: number | null;
  pending: unknown[];
  failClosedDeadline: string | null;
  complete: boolean;
}

export interface AuditRecord {
  seq: number;
  at: string;
  actor: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  reason: string | null;
  requestId: string | null;
  data: Record<string, unknown>;
  hash: string;
}

export interface UsageSeries {
  bucket: string;
  from: string;
  to: string;
  keys: { keyId: string; total: number; series: number[] }[];
}
