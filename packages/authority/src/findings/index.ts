/**
 * Findings: detectors over what verifiers report (canary used, revoked key used, deprecated key
 * used, new network, new user agent, volume spike, failure burst), findings with evidence, and
 * each detector's response policy. Other code imports findings only from here.
 */
export { DETECTOR_IDS, DETECTORS, type DetectorId, MODES } from "./detectors.js";
export { createFindingsService, DETECTION_INTERVAL_MS, type FindingsDeps, type FindingsService } from "./service.js";
export type { DetectorUpdate, DetectorView } from "./settings.js";
export type { FindingFilter, FindingView } from "./store.js";
