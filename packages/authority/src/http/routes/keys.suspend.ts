import type { RouteModule } from "../route.js";
import { suspensionRoute } from "./keys.suspension.schema.js";

/** POST /v1/keys/{id}/suspend: durable before it answers; verifiers refuse the key (`suspended`) like a revocation. */
export const suspendKeyRoute: RouteModule = suspensionRoute("suspend", {
  summary: "Suspend an API key",
  description:
    "Reversible: every verifier refuses the key (reason `suspended`) until it is resumed. " +
    "Idempotent: suspending a suspended key answers 200 with changed: false. " +
    "409 key_not_active for a revoked, expired or canary key.",
});
