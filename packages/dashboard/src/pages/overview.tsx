import { get } from "../api/client.js";
import type { Page as ApiPage, Key } from "../api/types.js";
import type { Fleet } from "../api/verifiers.js";
import { Card } from "../components/card.js";
import { ago, count } from "../components/format.js";
import { KeyList } from "../components/key-table.js";
import { useApi } from "../components/use-api.js";
import { Link } from "../router.js";
import { BlockedRequests, TimeToRevoke, TokensByState } from "./overview-figures.js";

const REFRESH_MS = 5000;
const SEVERITIES = ["critical", "high", "medium", "low"] as const;

function FleetSummary() {
  const fleet = useApi(() => get<Fleet>("/v1/verifiers"), [], REFRESH_MS);
  const verifiers = fleet.data?.verifiers ?? [];
  return (
    <Card title="Verifier fleet" error={fleet.error} loading={fleet.loading}>
      <p>
        {count(verifiers.length)} connected · head sequence {count(fleet.data?.head)} ·{" "}
        <Link to="verifiers">all verifiers</Link>
      </p>
      <ul class="plain">
        {verifiers.slice(0, 8).map((v) => (
          <li key={v.id}>
            {v.name} · lag {count(v.lag)} · seen {ago(v.lastSeenAt)}
          </li>
        ))}
      </ul>
    </Card>
  );
}

function OpenFindings() {
  const findings = useApi(
    () =>
      get<{ items: { severity: string }[]; nextCursor: string | null }>("/v1/findings", { state: "open", limit: 500 }),
    [],
    REFRESH_MS,
  );
  const bySeverity: Record<string, number> = {};
  for (const f of findings.data?.items ?? []) bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;
  return (
    <Card title="Open findings" error={findings.error} loading={findings.loading}>
      <dl class="figures">
        {SEVERITIES.map((s) => (
          <div key={s}>
            <dt>{s}</dt>
            <dd>
              {count(bySeverity[s] ?? 0)}
              {findings.data?.nextCursor ? "+" : ""}
            </dd>
          </div>
        ))}
      </dl>
      <Link to="findings?state=open">Open the queue</Link>
    </Card>
  );
}

function KeysWhere(props: { title: string; query: Record<string, string>; empty: string; link: string }) {
  const keys = useApi(() => get<ApiPage<Key>>("/v1/keys", { ...props.query, limit: 8 }), [], REFRESH_MS * 6);
  return (
    <Card title={props.title} error={keys.error} loading={keys.loading}>
      <KeyList
        keys={keys.data?.items ?? []}
        empty={props.empty}
        extra={(k) => <span class="muted">expires {ago(k.expiresAt)}</span>}
      />
      <Link to={props.link}>See all</Link>
    </Card>
  );
}

/** What an operator checks first: counts, refusals, time-to-revoke, the fleet, findings, stale keys. */
export function OverviewPage() {
  return (
    <>
      <h1>Overview</h1>
      <div class="grid">
        <TokensByState />
        <TimeToRevoke />
        <FleetSummary />
        <OpenFindings />
        <BlockedRequests />
        <KeysWhere
          title="Expiring within 7 days"
          query={{ state: "active", expiringWithin: "7d" }}
          empty="No active key expires within 7 days."
          link="keys?state=active&expiringWithin=7d"
        />
        <KeysWhere
          title="Never used"
          query={{ state: "active", neverUsed: "true" }}
          empty="Every active key has been used."
          link="keys?state=active&neverUsed=true"
        />
      </div>
    </>
  );
}
