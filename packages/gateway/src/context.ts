/**
 * What every request handler of a gateway shares, wired once by `createGateway`.
 * @module
 */
import type { Verifier } from "@tessera/verifier";
import type { DecideContext } from "./decide.js";
import type { Logger } from "./log.js";
import type { GatewayMetrics } from "./metrics.js";
import type { Upstream } from "./proxy.js";
import type { TrustProxy } from "./request-facts.js";
import type { Rules } from "./rules.js";

export interface GatewayContext {
  verifier: Verifier;
  decide: DecideContext;
  rules: Rules | null;
  upstream: Upstream | null;
  stripCredential: boolean;
  trustProxy: TrustProxy;
  publicUrl: string | undefined;
  metrics: GatewayMetrics;
  log: Logger;
}
