/**
 * Key lifecycle changes: revoke one, revoke by selector, rotate with a grace window, roll
 * a rotation back while the window is open, suspend and resume. Each is one transaction with its audit record and
 * change-log event; the steps live in revoke.ts and rotate.ts, this factory only wires them.
 */
import type { ServiceContext } from "../context.js";
import type { Actor } from "../domain/actor.js";
import { inSpan } from "../tracing.js";
import type { KeySelector } from "./query.js";
import { revokeBySelector, revokeKey } from "./revoke.js";
import { type RotateInput, rollbackRotation, rotateKey } from "./rotate.js";
import type { KeyService } from "./service.js";
import { resumeKey, suspendKey } from "./suspend.js";

export { MAX_SELECTOR_IDS, type RevokeResult, type SelectorRevokeResult } from "./revoke.js";
export type { RollbackResult, RotateInput, RotateResult } from "./rotate.js";
export type { SuspendResult } from "./suspend.js";

export function createKeyLifecycleService(ctx: ServiceContext, keys: KeyService) {
  return {
    revoke: (id: string, reason: string, actor: Actor) =>
      inSpan("tessera.key.revoke", { "tessera.key.id": id }, async (span) => {
        const result = await revokeKey(ctx, id, reason, actor);
        if (result.sequence !== null) span.setAttribute("tessera.change.sequence", result.sequence);
        return result;
      }),
    revokeBySelector: (
      selector: KeySelector,
      reason: string,
      actor: Actor,
      stepUp?: Parameters<typeof revokeBySelector>[4],
    ) => revokeBySelector(ctx, selector, reason, actor, stepUp),
    rotate: (id: string, input: RotateInput, actor: Actor) => rotateKey(ctx, keys, id, input, actor),
    rollback: (id: string, actor: Actor, reason?: string) => rollbackRotation(ctx, id, actor, reason),
    /** Reversible stop: verifiers refuse the key (`suspended`) until `resume`. Same shape as `revoke`. */
    suspend: (id: string, reason: string, actor: Actor) => suspendKey(ctx, id, reason, actor),
    resume: (id: string, reason: string, actor: Actor) => resumeKey(ctx, id, reason, actor),
  };
}

export type KeyLifecycleService = ReturnType<typeof createKeyLifecycleService>;
