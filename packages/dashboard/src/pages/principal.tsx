import { useState } from "preact/hooks";
import { get, post } from "../api/client.js";
import type { Page as ApiPage, Key, Receipt } from "../api/types.js";
import { ActionDialog } from "../components/action-dialog.js";
import { ErrorNotice } from "../components/error-notice.js";
import { when } from "../components/format.js";
import { KeyList } from "../components/key-table.js";
import { ReceiptView } from "../components/receipt-view.js";
import { useApi } from "../components/use-api.js";
import type { PageProps } from "./index.js";
import { ScopeNarrowing } from "./principal-scopes.js";
import type { Principal } from "./principals.js";

type Action = "disable" | "suspend" | "resume" | null;

function PrincipalDetails({ p }: { p: Principal }) {
  const rows: [string, preact.ComponentChildren][] = [
    ["Id", <code>{p.id}</code>],
    ["Kind", p.kind],
    ["Owner", p.owner],
    ["Status", <span class={`state ${p.status}`}>{p.status}</span>],
    ["Created", when(p.createdAt)],
  ];
  return (
    <dl class="details">
      {rows.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** One principal: details, its live keys, disable/suspend/resume with receipts, scope narrowing. */
export function PrincipalPage({ id }: PageProps) {
  const [version, setVersion] = useState(0);
  const principal = useApi(() => get<Principal>(`/v1/principals/${id}`), [id, version]);
  const keys = useApi(() => get<ApiPage<Key>>("/v1/keys", { principalId: id, limit: 200 }), [id, version]);
  const [open, setOpen] = useState<Action>(null);
  const [receipt, setReceipt] = useState<Receipt | null>(null);
  const act = (action: string) => async (reason: string) => {
    const answer = await post<{ receipt?: Receipt }>(`/v1/principals/${id}/${action}`, { reason }, { wait: "2s" });
    setReceipt(answer.receipt ?? null);
    setVersion(version + 1);
  };
  const p = principal.data;
  const live = (keys.data?.items ?? []).filter((k) => k.state === "active" || k.state === "deprecated");
  return (
    <>
      <h1>Principal {p ? p.name : <code>{id}</code>}</h1>
      <ErrorNotice error={principal.error} />
      {p ? (
        <>
          <PrincipalDetails p={p} />
          <div class="actions-bar">
            <button type="button" class="danger" disabled={p.status === "disabled"} onClick={() => setOpen("disable")}>
              Disable
            </button>
            {p.status === "suspended" ? (
              <button type="button" onClick={() => setOpen("resume")}>
                Resume
              </button>
            ) : (
              <button type="button" disabled={p.status !== "active"} onClick={() => setOpen("suspend")}>
                Suspend
              </button>
            )}
          </div>
          {receipt ? <ReceiptView receipt={receipt} /> : null}
          <ScopeNarrowing principal={p} keys={live} onChanged={() => setVersion(version + 1)} />
          <section class="card" aria-labelledby="keys-title">
            <h2 id="keys-title">Live keys</h2>
            <KeyList keys={live} empty="This principal holds no live key." />
          </section>
        </>
      ) : null}
      <ActionDialog
        title={`Disable ${p?.name ?? id}`}
        confirmLabel="Disable"
        open={open === "disable"}
        onClose={() => setOpen(null)}
        onConfirm={act("disable")}
      >
        <p>Disabling revokes every key of this principal at once. It cannot be undone.</p>
      </ActionDialog>
      <ActionDialog
        title={`Suspend ${p?.name ?? id}`}
        confirmLabel="Suspend"
        open={open === "suspend"}
        onClose={() => setOpen(null)}
        onConfirm={act("suspend")}
      />
      <ActionDialog
        title={`Resume ${p?.name ?? id}`}
        confirmLabel="Resume"
        open={open === "resume"}
        onClose={() => setOpen(null)}
        onConfirm={act("resume")}
      />
    </>
  );
}
