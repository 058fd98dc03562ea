import type { RouteModule } from "../route.js";
import { suspensionRoute } from "./keys.suspension.schema.js";

/** POST /v1/keys/{id}/resume: the key verifies again once verifiers apply the change (receipt as for a revocation). */
export const resumeKeyRoute: RouteModule = suspensionRoute("resume", {
  summary: "Resume a suspended API key",
  description: "Verifiers accept the key again. 409 key_not_suspended when the key is not suspended.",
});
