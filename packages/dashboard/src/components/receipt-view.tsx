import { useEffect, useState } from "preact/hooks";
import { get } from "../api/client.js";
import type { Receipt } from "../api/types.js";
import { millis } from "./format.js";

/**
 * A revocation's receipt, fetched again until every connected verifier has confirmed it (or the
 * authority says it is complete), so the operator sees access actually end.
 */
export function ReceiptView({ receipt: initial }: { receipt: Receipt }) {
  const [receipt, setReceipt] = useState(initial);
  useEffect(() => {
    setReceipt(initial);
    if (initial.complete) return;
    let stopped = false;
    const deadline = Date.now() + 30_000;
    const poll = async () => {
      while (!stopped && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        try {
          const next = await get<Receipt>(`/v1/receipts/${initial.id}`);
          if (stopped) return;
          setReceipt(next);
          if (next.complete) return;
        } catch {
          return;
        }
      }
    };
    void poll();
    return () => {
      stopped = true;
    };
  }, [initial]);
  const { confirmed, total } = receipt.verifiers;
  return (
    <div class={`receipt ${receipt.complete ? "complete" : "pending"}`} role="status" aria-live="polite">
      <strong>Receipt {receipt.id}</strong>: confirmed by {confirmed} of {total} verifier{total === 1 ? "" : "s"}
      {receipt.slowestConfirmationMs !== null ? `, slowest ${millis(receipt.slowestConfirmationMs)}` : ""}
      {receipt.complete ? " · complete" : " · waiting for verifiers"}
      {receipt.failClosedDeadline ? ` · fail-closed deadline ${receipt.failClosedDeadline}` : ""}
    </div>
  );
}
