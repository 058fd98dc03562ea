import type { Receipt } from "../api/types.js";
import { ago, millis } from "./format.js";

/** One receipt in a list: when, and how many verifiers confirmed it. */
export function ReceiptLine({ receipt }: { receipt: Receipt }) {
  const { confirmed, total } = receipt.verifiers;
  return (
    <span>
      <code>{receipt.id}</code> · {ago(receipt.revokedAt)} · confirmed {confirmed} of {total}
      {receipt.slowestConfirmationMs !== null ? ` in ${millis(receipt.slowestConfirmationMs)}` : ""}
    </span>
  );
}
