import type { FastifyInstance } from "fastify";
import type { FailureAggregator } from "../audit/failure-aggregator.js";
import type { Authority } from "../authority.js";
import type { Metrics } from "./metrics.js";
import type { RateLimits } from "./rate-limit/limits.js";

/** What every route module receives. */
export interface RouteDeps {
  authority: Authority;
  metrics: Metrics;
  /** Repeated auth failures, aggregated into one audit record per address and window. */
  failures: FailureAggregator;
  limits: RateLimits;
}

/** A route module registers one endpoint: its schema, its scopes and its handler, together. */
export type RouteModule = (app: FastifyInstance, deps: RouteDeps) => void;

/** Epoch ms of an ISO date-time query value, or undefined. */
export function timeParam(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Date.parse(value);
}
