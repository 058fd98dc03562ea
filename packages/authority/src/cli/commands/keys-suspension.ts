/** `tessera keys suspend|resume`: reversible stops, with a receipt like `keys revoke`. */
import type { KeyView } from "../../domain/keys.js";
import type { Receipt } from "../../feed/receipts.js";
import { type SuspensionAction, suspensionCommand } from "./suspension-command.js";

interface SuspensionAnswer {
  key: KeyView;
  changed: boolean;
  sequence: number | null;
  receipt: Receipt | null;
}

function describe(action: SuspensionAction, result: SuspensionAnswer): string {
  const { key } = result;
  if (action === "resume") return `resumed ${key.id} (${key.start}): ${key.state}, change #${result.sequence}\n`;
  if (!result.changed) return `${key.id} was already suspended at ${key.suspendedAt}: ${key.suspendedReason}\n`;
  return result.sequence === null
    ? `${key.id} (${key.start}) is now suspended by itself (it was suspended through principal ${key.suspendedVia ?? "?"})\n`
    : `suspended ${key.id} (${key.start}) at ${key.suspendedAt}, change #${result.sequence}\n`;
}

const keyPath = (id: string) => `/v1/keys/${encodeURIComponent(id)}`;

export const suspendKeyCommand = suspensionCommand<SuspensionAnswer>({
  action: "suspend",
  pathOf: keyPath,
  description: "suspend a key: every verifier refuses it (reason suspended) until it is resumed",
  example: "tessera keys suspend key_... --reason 'traffic from an unknown network' --wait 5s",
  describe,
});

export const resumeKeyCommand = suspensionCommand<SuspensionAnswer>({
  action: "resume",
  pathOf: keyPath,
  description: "resume a suspended key: verifiers accept it again",
  example: "tessera keys resume key_... --reason 'confirmed with the owner'",
  describe,
});
