/** A receipt as the CLI prints it. */
import type { Receipt } from "./receipts.js";

export function formatReceipt(receipt: Receipt): string {
  const { confirmed, total } = receipt.verifiers;
  if (total === 0) {
    return `receipt ${receipt.id}: no verifier was connected; nothing to confirm (change #${receipt.sequence})\n`;
  }
  const slowest = receipt.slowestConfirmationMs === null ? "" : ` (slowest ${receipt.slowestConfirmationMs} ms)`;
  let text = `receipt ${receipt.id}: ${confirmed}/${total} verifiers confirmed change #${receipt.sequence}${slowest}\n`;
  if (receipt.pending.length > 0) {
    text += `  pending: ${receipt.pending.join(", ")}\n`;
    text += `  pending verifiers fail closed by ${receipt.failClosedDeadline} at the latest (their staleness bound)\n`;
  }
  return text;
}
