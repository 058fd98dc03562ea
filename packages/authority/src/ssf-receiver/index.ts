export { SetRefused } from "./check-set.js";
export { createSsfReceiver, type EventResult, type ReceiveOutcome, type SsfReceiver } from "./service.js";
export type { TransmitterInput, TransmitterView } from "./transmitters.js";
export { ssfReceiverMetrics } from "./metrics.js";
