/**
 * The usage store: what verifiers report about every credential's use, kept per key (by
 * outcome per minute and hour; addresses, networks, user agents, routes) and for the fleet.
 * Other code imports usage only from here.
 */
export { MAX_PENDING, type UsageEntry } from "./aggregate.js";
export { networkOf } from "./network.js";
export { fleetUsage, keyUsage, manyKeysUsage } from "./query.js";
export { MAX_POINTS, resolveRange, type UsageBucket, type UsageRange, type UsageRangeInput } from "./range.js";
export { purgeUsage } from "./retention.js";
export { createUsageService, MAX_KEYS_PER_QUESTION, type UsageService } from "./service.js";
export { createUsageStore, type UsageStore } from "./store.js";
