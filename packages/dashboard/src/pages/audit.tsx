import { useState } from "preact/hooks";
import { get } from "../api/client.js";
import type { AuditRecord } from "../api/types.js";
import { ErrorNotice } from "../components/error-notice.js";
import { when } from "../components/format.js";
import { useApi } from "../components/use-api.js";
import { setQuery } from "../router.js";
import type { PageProps } from "./index.js";

interface Verification {
  ok: boolean;
  records: number;
  head: string;
  problems: { kind: string; seq: number; message: string }[];
}

const FILTERS = [
  ["action", "Action", "key.revoked"],
  ["actor", "Actor", "prn_..."],
  ["targetId", "Target", "key_..."],
] as const;

function AuditTable({ records }: { records: AuditRecord[] }) {
  return (
    <table class="list">
      <caption class="sr-only">Audit records</caption>
      <thead>
        <tr>
          <th scope="col">Seq</th>
          <th scope="col">When</th>
          <th scope="col">Action</th>
          <th scope="col">Actor</th>
          <th scope="col">Target</th>
          <th scope="col">Reason</th>
        </tr>
      </thead>
      <tbody>
        {records.map((r) => (
          <tr key={r.seq}>
            <td>{r.seq}</td>
            <td>{when(r.at)}</td>
            <td>{r.action}</td>
            <td>{r.actor}</td>
            <td>{r.targetId ?? "–"}</td>
            <td>{r.reason ?? ""}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The audit trail, filtered in the URL, and a button that verifies the whole hash chain. */
export function AuditPage({ query }: PageProps) {
  const qs = query.toString();
  const records = useApi(
    () =>
      get<{ items: AuditRecord[]; nextAfterSeq: number | null }>("/v1/audit", {
        action: query.get("action"),
        actor: query.get("actor"),
        targetId: query.get("targetId"),
        afterSeq: query.get("afterSeq"),
        limit: 100,
      }),
    [qs],
  );
  const [draft, setDraft] = useState(() => Object.fromEntries(FILTERS.map(([n]) => [n, query.get(n) ?? ""])));
  const [verification, setVerification] = useState<Verification | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const verify = async () => {
    setError(null);
    setVerification(null);
    try {
      setVerification(await get<Verification>("/v1/audit/verify"));
    } catch (failure) {
      setError(failure as Error);
    }
  };
  const apply = (event: Event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const [name, value] of Object.entries(draft)) if (value) next.set(name, value);
    setQuery(next);
  };
  const more = () => {
    const next = new URLSearchParams(query);
    next.set("afterSeq", String(records.data?.nextAfterSeq ?? ""));
    setQuery(next);
  };
  return (
    <>
      <h1>Audit</h1>
      <div class="actions-bar">
        <button type="button" onClick={verify}>
          Verify chain
        </button>
        {verification ? (
          <p role="status" class={verification.ok ? "ok" : "error"}>
            {verification.ok
              ? `Chain intact: ${verification.records} records, head ${verification.head.slice(0, 16)}…`
              : `Chain broken: ${verification.problems.map((p) => `${p.kind} at ${p.seq}`).join("; ")}`}
          </p>
        ) : null}
      </div>
      <form class="filters" onSubmit={apply} aria-label="Filter the audit trail">
        {FILTERS.map(([name, label, placeholder]) => (
          <label key={name}>
            {label}
            <input
              value={draft[name]}
              placeholder={placeholder}
              onInput={(e) => setDraft({ ...draft, [name]: e.currentTarget.value })}
            />
          </label>
        ))}
        <button type="submit">Apply filters</button>
      </form>
      <ErrorNotice error={records.error ?? error} />
      <AuditTable records={records.data?.items ?? []} />
      {records.data?.nextAfterSeq ? (
        <button type="button" onClick={more}>
          Later records
        </button>
      ) : null}
    </>
  );
}
