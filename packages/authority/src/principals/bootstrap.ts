/**
 * First start: the root admin principal and its key. The key is returned once, to be shown
 * once to whoever runs `tessera init` (or the first `tessera serve`), and is never logged.
 */

import type { ServiceContext } from "../context.js";
import type { Actor } from "../domain/actor.js";
import { ADMIN_SCOPES } from "../domain/scopes.js";
import type { KeyService } from "../keys/index.js";
import type { PrincipalService } from "./service.js";

export const ROOT_PRINCIPAL_NAME = "root";

/** The actor of changes the authority makes by itself, holding every admin scope. */
export function systemActor(name: string, requestId?: string): Actor {
  return { id: `system:${name}`, scopes: new Set(ADMIN_SCOPES), ...(requestId ? { requestId } : {}) };
}

export interface BootstrapResult {
  created: boolean;
  principalId: string;
  /** Present only when a key was issued now. */
  rootKey?: { id: string; secret: string; expiresAt: string | null };
}

export function createBootstrap(ctx: ServiceContext, principals: PrincipalService, keys: KeyService) {
  /**
   * Creates the root principal and key when the database has none. With `newKey`, issues a
   * further root key even if one exists (break-glass recovery, run against the database).
   */
  return async function bootstrap(options: { newKey?: boolean } = {}): Promise<BootstrapResult> {
    const actor = systemActor("init");
    const existing = await ctx.db
      .selectFrom("principals")
      .select(["id", "status"])
      .where("name", "=", ROOT_PRINCIPAL_NAME)
      .executeTakeFirst();
    if (existing && !options.newKey) return { created: false, principalId: existing.id };
    const principalId =
      existing?.id ??
      (
        await principals.create(
          {
            name: ROOT_PRINCIPAL_NAME,
            kind: "service",
            owner: "tessera",
            allowedScopes: [...ADMIN_SCOPES],
            metadata: { purpose: "root administrator created at initialisation" },
          },
          actor,
        )
      ).id;
    const issued = await keys.issue(
      {
        principalId,
        scopes: [...ADMIN_SCOPES],
        expiresInMs: ctx.config.keyMaxTtlMs,
        description: "root admin key",
      },
      actor,
    );
    return {
      created: !existing,
      principalId,
      rootKey: { id: issued.key.id, secret: issued.secret, expiresAt: issued.key.expiresAt },
    };
  };
}
