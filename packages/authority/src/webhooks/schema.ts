/**
 * Table types of webhooks (listed in db/schema.ts). Times are epoch milliseconds.
 */

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
