/**
 * From change-log entries to Shared Signals events. Pure: each entry becomes zero or more
 * events, each about one RFC 9493 subject. Ids only, never a secret or a hash.
 *
 * | change | event |
 * |---|---|
 * | key.issued, key.rotated (replacement) | CAEP credential-change, change_type create |
 * | key.revoked | CAEP credential-change, change_type revoke, one per key |
 * | key.updated, key.deprecated, key.rotated (previous) | CAEP credential-change, change_type update |
 * | grant_family.revoked | CAEP session-revoked (subject: the grant family) |
 * | principal.updated with removed scopes | CAEP token-claims-change (the scopes now allowed) |
 * | finding.opened | CAEP risk-level-change |
 * | leak.reported | RISC credential-compromise |
 */
import { API_KEY_CREDENTIAL_TYPE, EVENT } from "./events.js";

export interface ChangeEntry {
  seq: number;
  at: number;
  type: string;
  data: string;
}

/** An RFC 9493 subject identifier. */
export type Subject =
  | { format: "opaque"; id: string }
  | { format: "email"; email: string }
  | { format: "complex"; [part: string]: unknown };

export interface SsfEvent {
  seq: number;
  type: string;
  subject: Subject;
  /** Extra subjects a receiver's subject filter also matches (the key's principal). */
  related: Subject[];
  payload: Record<string, unknown>;
}

type Json = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
export const opaque = (id: string): Subject => ({ format: "opaque", id });

const RISK_LEVEL: Record<string, string> = { low: "LOW", medium: "MEDIUM", high: "HIGH", critical: "HIGH" };

function credentialChange(seq: number, at: number, key: Json, changeType: string, extra: Json = {}): SsfEvent {
  const keyId = String(key.id ?? key.keyId);
  const principalId = str(key.principalId);
  return {
    seq,
    type: EVENT.credentialChange,
    subject: opaque(keyId),
    related: principalId ? [opaque(principalId)] : [],
    payload: {
      credential_type: API_KEY_CREDENTIAL_TYPE,
      change_type: changeType,
      event_timestamp: Math.floor(at / 1000),
      ...extra,
    },
  };
}

export function mapChange(entry: ChangeEntry, principalOf: ReadonlyMap<string, string>): SsfEvent[] {
  const data = JSON.parse(entry.data) as Json;
  const { seq, at } = entry;
  switch (entry.type) {
    case "key.issued":
      return [credentialChange(seq, at, data.key as Json, "create")];
    case "key.rotated":
      return [
        credentialChange(seq, at, data.replacement as Json, "create"),
        credentialChange(seq, at, data.previous as Json, "update", { reason_admin: { en: "rotated" } }),
      ];
    case "key.updated":
    case "key.deprecated":
      return [credentialChange(seq, at, data.key as Json, "update")];
    case "key.revoked": {
      const reason = str(data.reason);
      return strings(data.ids).map((id) =>
        credentialChange(seq, at, { id, principalId: principalOf.get(id) ?? null }, "revoke", {
          ...(reason ? { reason_admin: { en: reason } } : {}),
        }),
      );
    }
    case "grant_family.revoked":
      return [
        {
          seq,
          type: EVENT.sessionRevoked,
          subject: opaque(String(data.familyId)),
          related: [],
          payload: { event_timestamp: Math.floor(at / 1000) },
        },
      ];
    case "principal.updated":
      if (strings(data.removedScopes).length === 0) return [];
      return [
        {
          seq,
          type: EVENT.tokenClaimsChange,
          subject: opaque(String(data.principalId)),
          related: [],
          payload: { event_timestamp: Math.floor(at / 1000), claims: { scope: strings(data.allowedScopes).join(" ") } },
        },
      ];
    case "finding.opened":
      return [riskLevelChange(entry, data)];
    case "leak.reported":
      return [
        {
          seq,
          type: EVENT.credentialCompromise,
          subject: opaque(String(data.keyId)),
          related: str(data.principalId) ? [opaque(String(data.principalId))] : [],
          payload: {
            credential_type: API_KEY_CREDENTIAL_TYPE,
            event_timestamp: Math.floor(at / 1000),
            reason_admin: { en: `found at ${String(data.location)}; action: ${String(data.actionTaken)}` },
          },
        },
      ];
    default:
      return [];
  }
}

function riskLevelChange(entry: ChangeEntry, data: Json): SsfEvent {
  const keyId = str(data.keyId);
  const principalId = str(data.principalId);
  const subject = keyId ?? principalId ?? String(data.findingId);
  return {
    seq: entry.seq,
    type: EVENT.riskLevelChange,
    subject: opaque(subject),
    related: principalId && subject !== principalId ? [opaque(principalId)] : [],
    payload: {
      event_timestamp: Math.floor(entry.at / 1000),
      principal: "USER",
      current_level: RISK_LEVEL[String(data.severity)] ?? "MEDIUM",
      risk_reason: String(data.detector),
    },
  };
}

/** Key ids whose principal the mapping needs (revocations name keys only). */
export function keyIdsToResolve(entries: readonly ChangeEntry[]): string[] {
  return entries.filter((e) => e.type === "key.revoked").flatMap((e) => strings((JSON.parse(e.data) as Json).ids));
}

/** The canonical text of a subject (sorted members), as stored and compared. */
export function subjectKey(subject: Subject): string {
  return JSON.stringify(Object.fromEntries(Object.entries(subject).sort(([a], [b]) => a.localeCompare(b))));
}
