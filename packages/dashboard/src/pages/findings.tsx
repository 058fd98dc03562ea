import { useState } from "preact/hooks";
import { get, post } from "../api/client.js";
import { ErrorNotice } from "../components/error-notice.js";
import { when } from "../components/format.js";
import { useApi } from "../components/use-api.js";
import { Link, setQuery } from "../router.js";
import type { PageProps } from "./index.js";

interface Finding {
  id: string;
  detector: string;
  severity: string;
  state: string;
  keyId: string | null;
  principalId: string | null;
  count: number;
  action: string | null;
  actionReceipt: string | null;
  createdAt: string;
  evidence: Record<string, unknown>;
}

function FindingRow(props: { f: Finding; settle: (id: string, how: "acknowledge" | "resolve") => void }) {
  const { f, settle } = props;
  return (
    <tr>
      <td>
        {f.detector}
        <div class="muted">{f.id}</div>
      </td>
      <td>{f.severity}</td>
      <td>{f.keyId ? <Link to={`keys/${f.keyId}`}>{f.keyId}</Link> : "–"}</td>
      <td>
        {f.count}× since {when(f.createdAt)}
      </td>
      <td>{f.action ?? "none"}</td>
      <td>
        {f.state === "open" ? (
          <button type="button" onClick={() => settle(f.id, "acknowledge")}>
            Acknowledge {f.id}
          </button>
        ) : null}
        {f.state !== "resolved" ? (
          <button type="button" onClick={() => settle(f.id, "resolve")}>
            Resolve {f.id}
          </button>
        ) : null}
      </td>
    </tr>
  );
}

/** The findings queue: what the detectors saw, acknowledged or resolved here, acted on from the key. */
export function FindingsPage({ query }: PageProps) {
  const qs = query.toString();
  const [version, setVersion] = useState(0);
  const [error, setError] = useState<Error | null>(null);
  const list = useApi(
    () =>
      get<{ items: Finding[]; nextCursor: string | null }>("/v1/findings", {
        state: query.get("state") ?? "open",
        severity: query.get("severity"),
        keyId: query.get("keyId"),
        limit: 100,
      }),
    [qs, version],
    10_000,
  );
  const settle = async (id: string, how: "acknowledge" | "resolve") => {
    setError(null);
    try {
      await post(`/v1/findings/${id}/${how}`, { note: `${how}d from the dashboard` });
      setVersion(version + 1);
    } catch (failure) {
      setError(failure as Error);
    }
  };
  const filter = (name: string, value: string) => {
    const next = new URLSearchParams(query);
    if (value) next.set(name, value);
    else next.delete(name);
    setQuery(next);
  };
  return (
    <>
      <h1>Findings</h1>
      <div class="filters">
        <label>
          State
          <select value={query.get("state") ?? "open"} onChange={(e) => filter("state", e.currentTarget.value)}>
            <option value="open">open</option>
            <option value="acknowledged">acknowledged</option>
            <option value="resolved">resolved</option>
          </select>
        </label>
        <label>
          Severity
          <select value={query.get("severity") ?? ""} onChange={(e) => filter("severity", e.currentTarget.value)}>
            <option value="">any</option>
            {["critical", "high", "medium", "low"].map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorNotice error={list.error ?? error} />
      <table class="list">
        <caption class="sr-only">Findings</caption>
        <thead>
          <tr>
            <th scope="col">Detector</th>
            <th scope="col">Severity</th>
            <th scope="col">Key</th>
            <th scope="col">Seen</th>
            <th scope="col">Action taken</th>
            <th scope="col">
              <span class="sr-only">Settle</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {(list.data?.items ?? []).map((f) => (
            <FindingRow key={f.id} f={f} settle={settle} />
          ))}
        </tbody>
      </table>
      {list.data && list.data.items.length === 0 ? <p class="muted">No finding in this state.</p> : null}
    </>
  );
}
