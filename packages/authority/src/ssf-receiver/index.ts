export { SetRefused } from "./check-set.js";
export { ssfReceiverMetrics } from "./metrics.js";
export { createSsfReceiver, type EventResult, type ReceiveOutcome, type SsfReceiver } from "./service.js";
export type { TransmitterInput, TransmitterView } from "./transmitters.js";
