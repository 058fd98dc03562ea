import type { RouteModule } from "../route.js";
import { principalSuspensionRoute } from "./principals.suspension.schema.js";

/** POST /v1/principals/{id}/resume: resume the keys its suspension suspended (only those). */
export const resumePrincipalRoute: RouteModule = principalSuspensionRoute("resume", {
  summary: "Resume a suspended principal",
  description:
    "Resumes exactly the keys the principal's suspension suspended; keys suspended by themselves stay suspended. " +
    "409 principal_not_suspended when it is not suspended.",
});
