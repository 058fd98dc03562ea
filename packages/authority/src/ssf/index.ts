export { DELIVERY_METHODS, EVENT, POLL, PUSH, SUPPORTED_EVENTS } from "./events.js";
export { ssfMetrics } from "./metrics.js";
export { createSsfService, type PollRequest, type SsfService } from "./service.js";
export type { StreamInput } from "./streams.js";
