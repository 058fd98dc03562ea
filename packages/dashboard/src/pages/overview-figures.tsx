import { get } from "../api/client.js";
import { percentile } from "../api/percentile.js";
import { byLabel, parseMetrics } from "../api/prometheus.js";
import type { Receipt } from "../api/types.js";
import { Card } from "../components/card.js";
import { count, millis } from "../components/format.js";
import { ReceiptLine } from "../components/receipt-line.js";
import { TimeChart } from "../components/time-chart.js";
import { useApi } from "../components/use-api.js";

const REFRESH_MS = 5000;
const STATES = ["active", "deprecated", "suspended", "revoked", "expired"] as const;

/** Tokens by state, counted by the authority at scrape time (its /metrics). */
export function TokensByState() {
  const metrics = useApi(async () => parseMetrics(await get<string>("/metrics")), [], REFRESH_MS);
  const states = metrics.data ? byLabel(metrics.data, "tessera_api_keys", "state") : {};
  return (
    <Card title="Tokens by state" error={metrics.error} loading={metrics.loading}>
      <dl class="figures">
        {STATES.map((state) => (
          <div key={state}>
            <dt>{state}</dt>
            <dd data-state={state}>{metrics.data ? count(states[state] ?? 0) : "–"}</dd>
          </div>
        ))}
      </dl>
    </Card>
  );
}

interface FleetUsage {
  series: { at: string; total: number; outcomes: Record<string, number> }[];
}

/** Requests verifiers refused in the last 24 hours, one line per reason. */
export function BlockedRequests() {
  const usage = useApi(() => get<FleetUsage>("/v1/usage", { bucket: "hour" }), [], REFRESH_MS * 6);
  const series = usage.data?.series ?? [];
  const reasons = [...new Set(series.flatMap((s) => Object.keys(s.outcomes)))].filter((r) => r !== "ok").sort();
  return (
    <Card title="Blocked requests" error={usage.error} loading={usage.loading}>
      <TimeChart
        title="Refused verifications per hour, by reason"
        times={series.map((s) => s.at)}
        series={reasons.map((reason) => ({ label: reason, values: series.map((s) => s.outcomes[reason] ?? 0) }))}
      />
    </Card>
  );
}

/** Time from a revocation's commit to its last verifier's confirmation, over recent receipts. */
export function TimeToRevoke() {
  const receipts = useApi(() => get<{ items: Receipt[] }>("/v1/receipts", { limit: 100 }), [], REFRESH_MS);
  const items = receipts.data?.items ?? [];
  const timed = items.flatMap((r) => (r.complete && r.slowestConfirmationMs !== null ? [r.slowestConfirmationMs] : []));
  return (
    <Card title="Time to revoke" error={receipts.error} loading={receipts.loading}>
      <dl class="figures">
        <div>
          <dt>p50</dt>
          <dd>{millis(percentile(timed, 0.5))}</dd>
        </div>
        <div>
          <dt>p99</dt>
          <dd>{millis(percentile(timed, 0.99))}</dd>
        </div>
        <div>
          <dt>receipts</dt>
          <dd>{count(timed.length)}</dd>
        </div>
      </dl>
      <ul class="plain">
        {items.slice(0, 5).map((r) => (
          <li key={r.id}>
            <ReceiptLine receipt={r} />
          </li>
        ))}
      </ul>
      {items.length === 0 && receipts.data ? <p class="muted">No revocation yet.</p> : null}
    </Card>
  );
}
