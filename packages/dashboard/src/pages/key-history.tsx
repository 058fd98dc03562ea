import { get } from "../api/client.js";
import type { AuditRecord } from "../api/types.js";
import { Card } from "../components/card.js";
import { when } from "../components/format.js";
import { useApi } from "../components/use-api.js";
import { Link } from "../router.js";

/** The key's own audit trail and the findings about it. */
export function KeyHistory({ keyId, version }: { keyId: string; version: number }) {
  const audit = useApi(
    () => get<{ items: AuditRecord[] }>("/v1/audit", { targetId: keyId, limit: 50 }),
    [keyId, version],
  );
  const findings = useApi(
    () =>
      get<{ items: { id: string; detector: string; severity: string; state: string; createdAt: string }[] }>(
        "/v1/findings",
        { keyId, limit: 20 },
      ),
    [keyId, version],
  );
  return (
    <>
      <Card title="Findings" error={findings.error} loading={findings.loading}>
        {(findings.data?.items ?? []).length === 0 ? <p class="muted">No finding about this key.</p> : null}
        <ul class="plain">
          {(findings.data?.items ?? []).map((f) => (
            <li key={f.id}>
              <Link to={`findings?keyId=${keyId}`}>{f.detector}</Link> · {f.severity} · {f.state} · {when(f.createdAt)}
            </li>
          ))}
        </ul>
      </Card>
      <Card title="Audit trail" error={audit.error} loading={audit.loading}>
        <ol class="plain">
          {(audit.data?.items ?? []).map((r) => (
            <li key={r.seq}>
              {when(r.at)} · <strong>{r.action}</strong> by {r.actor}
              {r.reason ? ` · “${r.reason}”` : ""}
            </li>
          ))}
        </ol>
      </Card>
    </>
  );
}
