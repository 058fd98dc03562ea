/** Webhooks and deliveries as the API shows them: never a secret, never a payload. */

import type { WebhookDeliveriesTable, WebhookDeliveryAttemptsTable, WebhookEndpointsTable } from "../db/schema.js";
import { iso } from "../domain/keys.js";

export interface WebhookView {
  id: string;
  url: string;
  owner: string | null;
  events: string[];
  description: string;
  status: WebhookEndpointsTable["status"];
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  /** While a rotated secret still signs deliveries beside the new one: until when. */
  previousSecretUntil: string | null;
  disabledAt: string | null;
  disabledBy: string | null;
  disabledReason: string | null;
}

export function toWebhookView(row: WebhookEndpointsTable, now: number): WebhookView {
  const previousLive = row.previous_secret_until !== null && row.previous_secret_until > now;
  return {
    id: row.id,
    url: row.url,
    owner: row.owner,
    events: JSON.parse(row.events) as string[],
    description: row.description,
    status: row.status,
    createdAt: iso(row.created_at) as string,
    createdBy: row.created_by,
    updatedAt: iso(row.updated_at) as string,
    previousSecretUntil: previousLive ? iso(row.previous_secret_until) : null,
    disabledAt: iso(row.disabled_at),
    disabledBy: row.disabled_by,
    disabledReason: row.disabled_reason,
  };
}

export interface AttemptView {
  attempt: number;
  at: string;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
}

export interface DeliveryView {
  id: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  eventAt: string;
  status: WebhookDeliveriesTable["status"];
  attempts: number;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  deliveredAt: string | null;
  createdAt: string;
  attemptLog: AttemptView[];
}

export function toAttemptView(row: WebhookDeliveryAttemptsTable): AttemptView {
  return {
    attempt: row.attempt,
    at: iso(row.at) as string,
    durationMs: row.duration_ms,
    statusCode: row.status_code,
    error: row.error,
  };
}

export function toDeliveryView(row: WebhookDeliveriesTable, attempts: WebhookDeliveryAttemptsTable[]): DeliveryView {
  return {
    id: row.id,
    webhookId: row.endpoint_id,
    eventId: row.event_id,
    eventType: row.event_type,
    eventAt: iso(row.event_at) as string,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: iso(row.next_attempt_at),
    lastAttemptAt: iso(row.last_attempt_at),
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    deliveredAt: iso(row.delivered_at),
    createdAt: iso(row.created_at) as string,
    attemptLog: attempts.map(toAttemptView),
  };
}
