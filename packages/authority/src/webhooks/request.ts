/**
 * What one attempt sends: the exact body (`{ id, type, createdAt, data }`, a distributed secret
 * added only in flight) and the headers, signed with the endpoint's secret and, during a
 * secret rotation's overlap, its previous one.
 */
import type { TesseraConfig } from "../config.js";
import { iso } from "../domain/keys.js";
import { SECRET_EVENT_TYPE } from "./events.js";
import { deliverySecretContext, endpointSecretContext } from "./ids.js";
import type { Claimed } from "./lease.js";
import type { AttemptOutcome } from "./send.js";
import { SIGNATURE_HEADER, signatureHeader } from "./signature.js";
import { standardHeaders } from "./standard-signature.js";

type MasterKey = TesseraConfig["masterKey"];

function signingSecrets(masterKey: MasterKey, row: Claimed, now: number): string[] {
  const context = endpointSecretContext(row.endpoint_id);
  const secrets = [masterKey.decrypt(row.endpoint_secret_enc, context).toString("utf8")];
  if (row.previous_secret_enc !== null && row.previous_secret_until !== null && row.previous_secret_until > now) {
    secrets.push(masterKey.decrypt(row.previous_secret_enc, context).toString("utf8"));
  }
  return secrets;
}

function bodyOf(masterKey: MasterKey, row: Claimed): string {
  const data = JSON.parse(row.data) as Record<string, unknown>;
  if (row.event_type === SECRET_EVENT_TYPE && row.secret_enc !== null) {
    data.secret = masterKey.decrypt(row.secret_enc, deliverySecretContext(row.id)).toString("utf8");
  }
  return JSON.stringify({ id: row.event_id, type: row.event_type, createdAt: iso(row.event_at), data });
}

/** Why a leased delivery is cancelled without an attempt, or null when it is to be sent. */
export function cancellation(row: Claimed): AttemptOutcome | null {
  if (row.endpoint_status !== "active") return { statusCode: null, error: "endpoint disabled", durationMs: 0 };
  if (row.event_type === SECRET_EVENT_TYPE && row.secret_enc === null) {
    // Already handed out or given up on: a secret is never sent twice.
    return { statusCode: null, error: "secret no longer held", durationMs: 0 };
  }
  return null;
}

/**
 * The signed request for `row` at `now` (milliseconds): the Standard Webhooks headers, and the
 * pre-0.2 `Tessera-Signature` beside them unless `legacySignature` is off.
 */
export function signedRequest(
  masterKey: MasterKey,
  row: Claimed,
  now: () => number,
  legacySignature = true,
): { headers: Record<string, string>; body: string } {
  const body = bodyOf(masterKey, row);
  const timestamp = Math.floor(now() / 1000);
  const secrets = signingSecrets(masterKey, row, now());
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "Tessera-Webhooks/1",
    ...standardHeaders(secrets, row.event_id, timestamp, body),
    "tessera-event-id": row.event_id,
    "tessera-event-type": row.event_type,
    "tessera-delivery-id": row.id,
  };
  if (legacySignature) headers[SIGNATURE_HEADER.toLowerCase()] = signatureHeader(secrets, timestamp, body);
  return { headers, body };
}
