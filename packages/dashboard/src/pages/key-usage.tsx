import { get } from "../api/client.js";
import { Card } from "../components/card.js";
import { ago, count } from "../components/format.js";
import { TimeChart } from "../components/time-chart.js";
import { useApi } from "../components/use-api.js";

interface Seen {
  value: string;
  firstSeen: string;
  lastSeen: string;
  count: number;
}

interface KeyUsage {
  totals: Record<string, number>;
  series: { at: string; total: number; outcomes: Record<string, number> }[];
  addresses: Seen[];
  userAgents: Seen[];
  routes: Seen[];
}

function SeenTable(props: { caption: string; rows: Seen[] }) {
  if (props.rows.length === 0) return <p class="muted">No {props.caption.toLowerCase()} recorded.</p>;
  return (
    <table class="list">
      <caption>{props.caption}</caption>
      <thead>
        <tr>
          <th scope="col">Value</th>
          <th scope="col">Uses</th>
          <th scope="col">Last seen</th>
        </tr>
      </thead>
      <tbody>
        {props.rows.slice(0, 20).map((row) => (
          <tr key={row.value}>
            <td>{row.value}</td>
            <td>{count(row.count)}</td>
            <td>{ago(row.lastSeen)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A key's use over the last day by outcome, and where it was used from. */
export function KeyUsagePanel({ keyId }: { keyId: string }) {
  const usage = useApi(() => get<KeyUsage>(`/v1/keys/${keyId}/usage`, { bucket: "hour" }), [keyId], 15_000);
  const series = usage.data?.series ?? [];
  const outcomes = [...new Set(series.flatMap((s) => Object.keys(s.outcomes)))].sort();
  return (
    <Card title="Usage" error={usage.error} loading={usage.loading}>
      <TimeChart
        title="Verifications per hour, by outcome"
        times={series.map((s) => s.at)}
        series={outcomes.map((o) => ({ label: o, values: series.map((s) => s.outcomes[o] ?? 0) }))}
      />
      <SeenTable caption="Addresses" rows={usage.data?.addresses ?? []} />
      <SeenTable caption="User agents" rows={usage.data?.userAgents ?? []} />
    </Card>
  );
}
