import { useState } from "preact/hooks";
import { get } from "../api/client.js";
import { ErrorNotice } from "../components/error-notice.js";
import { when } from "../components/format.js";
import { useApi } from "../components/use-api.js";

interface Webhook {
  id: string;
  url: string;
  owner: string;
  events: string[];
  status: string;
}

interface Delivery {
  id: string;
  event?: string;
  eventType?: string;
  status: string;
  attempts: number;
  lastError?: string | null;
  createdAt: string;
}

function Deliveries({ webhookId }: { webhookId: string }) {
  const list = useApi(
    () => get<{ items: Delivery[] }>(`/v1/webhooks/${webhookId}/deliveries`, { limit: 50 }),
    [webhookId],
    5000,
  );
  return (
    <>
      <ErrorNotice error={list.error} />
      <table class="list">
        <caption>Deliveries of {webhookId}</caption>
        <thead>
          <tr>
            <th scope="col">Delivery</th>
            <th scope="col">Event</th>
            <th scope="col">Status</th>
            <th scope="col">Attempts</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {(list.data?.items ?? []).map((d) => (
            <tr key={d.id}>
              <td>{d.id}</td>
              <td>{d.eventType ?? d.event ?? ""}</td>
              <td>
                {d.status}
                {d.lastError ? <div class="muted">{d.lastError}</div> : null}
              </td>
              <td>{d.attempts}</td>
              <td>{when(d.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** Registered webhooks and their deliveries (pending, delivered, failed). */
export function WebhooksPage() {
  const hooks = useApi(() => get<{ items: Webhook[] }>("/v1/webhooks", { limit: 100 }), []);
  const [shown, setShown] = useState<string | null>(null);
  return (
    <>
      <h1>Webhooks</h1>
      <ErrorNotice error={hooks.error} />
      {hooks.data && hooks.data.items.length === 0 ? <p class="muted">No webhook is registered.</p> : null}
      <ul class="plain">
        {(hooks.data?.items ?? []).map((h) => (
          <li key={h.id}>
            <button type="button" aria-expanded={shown === h.id} onClick={() => setShown(shown === h.id ? null : h.id)}>
              {h.url}
            </button>{" "}
            <span class="muted">
              {h.owner} · {h.status} · {h.events.join(", ")}
            </span>
          </li>
        ))}
      </ul>
      {shown ? <Deliveries webhookId={shown} /> : null}
    </>
  );
}
