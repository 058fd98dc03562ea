export { createAllowlist, type SuppressionReason } from "./allowlist.js";
export { type BaselineEntry, type BaselineFile, readBaseline, writeBaseline } from "./baseline.js";
export { ChunkedScanner, DEFAULT_CHUNK_SIZE, DEFAULT_OVERLAP, type LocatedMatch, scanBuffer } from "./chunked.js";
export { CONFIG_FILE_NAME, loadConfig, type ScanConfig } from "./config.js";
export {
  createTesseraDetector,
  DETECTOR_IDS,
  selectDetectors,
  TESSERA_DETECTOR_ID,
  thirdPartyDetectors,
} from "./detectors/index.js";
export { createEngine, type Engine, type EngineMatch, findMatches } from "./engine.js";
export { shannonEntropy } from "./entropy.js";
export { ScanError, type ScanErrorCode } from "./errors.js";
export { fingerprintsOf, previewOf } from "./finding.js";
export { createPrefilter, type Prefilter } from "./prefilter.js";
export { type AuthorityClient, createAuthorityClient, type LeakReport, MAX_BATCH } from "./remediation.js";
export { formatJson } from "./report/json.js";
export { formatSarif } from "./report/sarif.js";
export type { ScanStats } from "./report/stats.js";
export { formatText } from "./report/text.js";
export {
  type AuthorityOptions,
  DEFAULT_MAX_FILE_SIZE,
  locationOf,
  type ScanOptions,
  type ScanResult,
  type ScanSource,
  scan,
} from "./scan.js";
export type {
  CommitInfo,
  Detector,
  DetectorMatch,
  Finding,
  KeywordHit,
  LivenessInfo,
  RemediationInfo,
} from "./types.js";
