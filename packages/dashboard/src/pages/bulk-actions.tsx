import { useState } from "preact/hooks";
import { post } from "../api/client.js";
import type { Receipt } from "../api/types.js";
import { ActionDialog } from "../components/action-dialog.js";
import { ReceiptView } from "../components/receipt-view.js";

type Bulk = "revoke" | "suspend" | null;

/**
 * Revokes the selected keys in one request (POST /v1/revocations with their ids: one transaction,
 * one receipt; step-up when the selection is above the authority's threshold), or suspends them
 * one by one (each suspension has its own receipt; the last one is shown).
 */
export function BulkActions(props: { selected: string[]; onDone: () => void }) {
  const [open, setOpen] = useState<Bulk>(null);
  const [receipt, setReceipt] = useState<Receipt | null>(null);
  const [summary, setSummary] = useState<string | null>(null);
  const n = props.selected.length;
  const revoke = async (reason: string, stepUp: { otp: string; justification: string } | undefined) => {
    const answer = await post<{ revoked: number; receipt: Receipt }>(
      "/v1/revocations",
      { reason, selector: { ids: props.selected }, ...(stepUp ? { stepUp } : {}) },
      { wait: "2s" },
    );
    setSummary(`Revoked ${answer.revoked} key${answer.revoked === 1 ? "" : "s"}.`);
    setReceipt(answer.receipt);
    props.onDone();
  };
  const suspend = async (reason: string) => {
    let last: Receipt | null = null;
    for (const id of props.selected) {
      const answer = await post<{ receipt?: Receipt }>(`/v1/keys/${id}/suspend`, { reason });
      last = answer.receipt ?? last;
    }
    setSummary(`Suspended ${n} key${n === 1 ? "" : "s"}.`);
    setReceipt(last);
    props.onDone();
  };
  return (
    <div class="bulk" aria-live="polite">
      <span>{n} selected</span>
      <button type="button" class="danger" disabled={n === 0} onClick={() => setOpen("revoke")}>
        Revoke selected
      </button>
      <button type="button" disabled={n === 0} onClick={() => setOpen("suspend")}>
        Suspend selected
      </button>
      {summary ? <span role="status">{summary}</span> : null}
      {receipt ? <ReceiptView receipt={receipt} /> : null}
      <ActionDialog
        title={`Revoke ${n} key${n === 1 ? "" : "s"}`}
        confirmLabel="Revoke"
        open={open === "revoke"}
        onClose={() => setOpen(null)}
        onConfirm={revoke}
      >
        <p>Revoked keys stop working at every verifier within milliseconds. This cannot be undone.</p>
      </ActionDialog>
      <ActionDialog
        title={`Suspend ${n} key${n === 1 ? "" : "s"}`}
        confirmLabel="Suspend"
        open={open === "suspend"}
        onClose={() => setOpen(null)}
        onConfirm={(reason) => suspend(reason)}
      >
        <p>Suspended keys are refused until resumed.</p>
      </ActionDialog>
    </div>
  );
}
