import type { PrincipalView } from "../../../domain/keys.js";
import type { Receipt } from "../../../feed/receipts.js";
import { type SuspensionAction, suspensionCommand } from "../suspension-command.js";

interface SuspensionAnswer {
  principal: PrincipalView;
  changed: boolean;
  keyIds: string[];
  sequence: number | null;
  receipt: Receipt | null;
}

function describe(action: SuspensionAction, { principal, changed, keyIds }: SuspensionAnswer): string {
  const done = action === "suspend" ? "suspended" : "resumed";
  return !changed
    ? `${principal.id} (${principal.name}) was already suspended at ${principal.suspendedAt}\n`
    : `${done} ${principal.id} (${principal.name}); ${keyIds.length} key(s) ${done}\n`;
}

const principalPath = (id: string) => `/v1/principals/${encodeURIComponent(id)}`;

/** `tessera principals suspend <id>`: every key it holds suspended, reversibly. */
export const suspendPrincipalCommand = suspensionCommand<SuspensionAnswer>({
  action: "suspend",
  pathOf: principalPath,
  description: "suspend a principal: every key it holds is refused until it is resumed (reversible)",
  example: "tessera principals suspend prn_... --reason 'investigating odd traffic'",
  describe,
});

/** `tessera principals resume <id>`: the keys its suspension suspended verify again. */
export const resumePrincipalCommand = suspensionCommand<SuspensionAnswer>({
  action: "resume",
  pathOf: principalPath,
  description: "resume a suspended principal: the keys its suspension suspended verify again (only those)",
  example: "tessera principals resume prn_... --reason 'cleared'",
  describe,
});
