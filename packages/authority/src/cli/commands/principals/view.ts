import type { PrincipalView } from "../../../domain/keys.js";
import { block } from "../../output.js";

/** One principal as a block of labelled lines. */
export function principalBlock(p: PrincipalView): string {
  return block([
    ["id", p.id],
    ["name", p.name],
    ["kind", p.kind],
    ["owner", p.owner],
    ["status", p.status],
    ["allowed scopes", p.allowedScopes],
    ["created", `${p.createdAt} by ${p.createdBy}`],
    ...(p.disabledAt ? ([["disabled", `${p.disabledAt}: ${p.disabledReason}`]] as [string, unknown][]) : []),
  ]);
}
