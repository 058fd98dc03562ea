import type { RouteModule } from "../route.js";
import { principalSuspensionRoute } from "./principals.suspension.schema.js";

/** POST /v1/principals/{id}/suspend: suspend every key it holds, reversibly. */
export const suspendPrincipalRoute: RouteModule = principalSuspensionRoute("suspend", {
  summary: "Suspend a principal and every key it holds",
  description:
    "Reversible. Its live keys are suspended (verifiers answer `suspended`) and no key can be issued to it. " +
    "OAuth access tokens already issued run to their expiry: disable the principal to cut them off. " +
    "Idempotent: a suspended principal answers changed: false.",
});
