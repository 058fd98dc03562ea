/**
 * From change-log entries to webhook events. Pure: the lookups it needs (the principal of a
 * key, the owner of a principal) are handed in.
 *
 * Events about several keys (`key.revoked` by a selector, say) are split into one event per
 * principal, so that an endpoint filtered by owner sees only its owner's keys. Hashes and
 * anything named like a secret are never carried: a receiver gets ids, not credentials.
 */
import { CHANGE_EVENT_TYPES } from "./events.js";

export interface ChangeRow {
  seq: number;
  at: number;
  type: string;
  data: string;
}

/** An event before its owners are known. */
export interface DraftEvent {
  type: string;
  seq: number;
  at: number;
  /** Principals the event is about: their owners may receive it. */
  principalIds: string[];
  /** Owners named by the event itself (campaign events may carry them). */
  owners: string[];
  data: Record<string, unknown>;
}

const EVENT_TYPES: ReadonlySet<string> = new Set(CHANGE_EVENT_TYPES);

type Json = Record<string, unknown>;

const str = (value: unknown): string | null => (typeof value === "string" ? value : null);
const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];

/** Key ids an entry names without saying whose they are: looked up before mapping. */
export function keyIdsToResolve(row: ChangeRow): string[] {
  if (!EVENT_TYPES.has(row.type)) return [];
  const data = JSON.parse(row.data) as Json;
  if (row.type === "key.revoked") return strings(data.ids);
  if (row.type === "key.issued" || row.type === "key.rotated") return [];
  const ids = [...strings(data.keyIds), ...strings(data.ids)];
  const single = str(data.keyId);
  if (single && str(data.principalId) === null) ids.push(single);
  return ids;
}

/** Drops hashes and anything named like a secret, at any depth. */
export function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value === null || typeof value !== "object") return value;
  const out: Json = {};
  for (const [name, inner] of Object.entries(value as Json)) {
    if (/secret|hash|token|password|private/i.test(name)) continue;
    out[name] = withoutSecrets(inner);
  }
  return out;
}

/** Most key ids one event carries: a principal's larger revocation becomes several events. */
export const MAX_KEY_IDS_PER_EVENT = 1000;

/** Key ids by principal, in chunks of at most MAX_KEY_IDS_PER_EVENT. */
function groupByPrincipal(keyIds: string[], principalOf: ReadonlyMap<string, string>): Array<[string, string[]]> {
  const groups = new Map<string, string[]>();
  for (const id of keyIds) {
    const principalId = principalOf.get(id);
    if (principalId === undefined) continue;
    const group = groups.get(principalId) ?? [];
    group.push(id);
    groups.set(principalId, group);
  }
  const out: Array<[string, string[]]> = [];
  for (const [principalId, ids] of groups) {
    for (let i = 0; i < ids.length; i += MAX_KEY_IDS_PER_EVENT) {
      out.push([principalId, ids.slice(i, i + MAX_KEY_IDS_PER_EVENT)]);
    }
  }
  return out;
}

/** The webhook events of one change-log entry (none for entries receivers do not see). */
export function mapChange(row: ChangeRow, principalOf: ReadonlyMap<string, string>): DraftEvent[] {
  if (!EVENT_TYPES.has(row.type)) return [];
  const data = JSON.parse(row.data) as Json;
  const base = { type: row.type, seq: row.seq, at: row.at };
  const one = (principalId: string | null, out: Json, owners: string[] = []): DraftEvent => ({
    ...base,
    principalIds: principalId ? [principalId] : [],
    owners,
    data: out,
  });
  switch (row.type) {
    case "key.issued": {
      const key = data.key as Json;
      const principalId = str(key.principalId);
      return [
        one(principalId, {
          keyId: key.id,
          principalId,
          scopes: key.scopes,
          audience: key.audience ?? null,
          expiresAt: key.expiresAt ?? null,
        }),
      ];
    }
    case "key.rotated": {
      const previous = data.previous as Json;
      const replacement = data.replacement as Json;
      const principalId = str(previous.principalId);
      return [
        one(principalId, {
          keyId: previous.id,
          replacementKeyId: replacement.id,
          principalId,
          graceUntil: data.graceUntil ?? null,
        }),
      ];
    }
    case "key.revoked": {
      const groups = groupByPrincipal(strings(data.ids), principalOf);
      return groups.map(([principalId, keyIds]) =>
        one(principalId, { keyIds, principalId, reason: data.reason ?? null, cause: data.cause ?? null }),
      );
    }
    case "principal.disabled":
      return [
        one(str(data.principalId), { principalId: data.principalId, revokedKeyIds: strings(data.revokedKeyIds) }),
      ];
    case "leak.reported":
      return [one(str(data.principalId), withoutSecrets(data) as Json)];
    default:
      return generic(data, principalOf, one);
  }
}

/**
 * Events whose producers own their shape (expiry jobs, rotation campaigns): carried as they
 * are, secrets stripped, with owners taken from `owner`/`owners`, `principalId` or the keys named.
 */
function generic(
  data: Json,
  principalOf: ReadonlyMap<string, string>,
  one: (principalId: string | null, out: Json, owners?: string[]) => DraftEvent,
): DraftEvent[] {
  const clean = withoutSecrets(data) as Json;
  const owners = [...strings(data.owners), ...(str(data.owner) ? [str(data.owner) as string] : [])];
  const listField = Array.isArray(data.keyIds) ? "keyIds" : Array.isArray(data.ids) ? "ids" : null;
  if (listField && str(data.principalId) === null && owners.length === 0) {
    const groups = groupByPrincipal(strings(data[listField]), principalOf);
    return groups.map(([principalId, keyIds]) => one(principalId, { ...clean, [listField]: keyIds, principalId }));
  }
  const keyId = str(data.keyId);
  const principalId = str(data.principalId) ?? (keyId ? (principalOf.get(keyId) ?? null) : null);
  return [one(principalId, principalId && !clean.principalId ? { ...clean, principalId } : clean, owners)];
}
