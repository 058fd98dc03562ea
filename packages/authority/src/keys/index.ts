/**
 * The keys feature: issue, query, revoke, rotate and roll back API keys, look them up for
 * introspection, count them, and record their use. Other features import keys only from here.
 */
export {
  type CanaryListener,
  type CanaryReport,
  type CanaryService,
  type CanaryUse,
  createCanaryService,
} from "./canaries.js";
export { COMPACT_FROM_KEYS, type CompactRevocation, type ScopeMatch } from "./compact-revocation.js";
export {
  createKeyLifecycleService,
  type KeyLifecycleService,
  MAX_SELECTOR_IDS,
  type RevokeResult,
  type RollbackResult,
  type RotateInput,
  type RotateResult,
  type SelectorRevokeResult,
  type SuspendResult,
} from "./lifecycle.js";
export { createKeyLookup, type KeyLookup, type LookupKey } from "./lookup.js";
export { type KeyInventoryFilter, type KeySelector, keyFilterExpression, selectorIsEmpty } from "./query.js";
export { type KeyFilter, type RevokedKeys, revokeKeysMatching } from "./revocation.js";
export {
  deprecateForRotation,
  type RotationPair,
  restorable,
  restoreRotated,
  rolledBackEvents,
  rotatedEvents,
} from "./rotation.js";
export { insertKeyRows } from "./rows.js";
export {
  checkMetadata,
  createKeyService,
  type IssuedKey,
  type IssueKeyInput,
  type KeyService,
  MAX_DESCRIPTION_LENGTH,
  MAX_METADATA_BYTES,
} from "./service.js";
export { resumeKeysOf, suspendKeysOf } from "./suspend.js";
export { createTokenCounts } from "./token-counts.js";
export { createUsageRecorder, type UsageRecorder } from "./usage.js";
