/**
 * The detectors, their severities, default parameters and the checks on parameters an operator
 * sets. Pure: no I/O. docs/monitoring.md#detectors documents each; keep the two in step.
 */
import { validationFailed } from "../errors.js";

export const DETECTOR_IDS = [
  "canary_used",
  "revoked_key_used",
  "deprecated_key_used",
  "new_network",
  "new_user_agent",
  "volume_spike",
  "failure_burst",
] as const;
export type DetectorId = (typeof DETECTOR_IDS)[number];

export const MODES = ["off", "alert", "suspend", "revoke"] as const;
export type DetectorMode = (typeof MODES)[number];

export type Severity = "low" | "medium" | "high" | "critical";

interface ParamSpec {
  default: number;
  min: number;
  max: number;
  doc: string;
}

interface DetectorSpec {
  severity: Severity;
  /** Whether a finding names a key a stricter mode could act on. */
  actsOnKey: boolean;
  params: Record<string, ParamSpec>;
  doc: string;
}

const cap: ParamSpec = {
  default: 10,
  min: 0,
  max: 1000,
  doc: "automatic actions per hour at most; past it the detector only alerts",
};

export const DETECTORS: Record<DetectorId, DetectorSpec> = {
  canary_used: { severity: "critical", actsOnKey: false, params: {}, doc: "a canary key was presented" },
  revoked_key_used: {
    severity: "high",
    actsOnKey: false,
    params: {},
    doc: "a revoked, expired or suspended key is still presented: someone holds a copy",
  },
  deprecated_key_used: {
    severity: "medium",
    actsOnKey: true,
    params: { maxActionsPerHour: cap },
    doc: "an old key used from a network its replacement was never used from, after the replacement was used",
  },
  new_network: {
    severity: "medium",
    actsOnKey: true,
    params: { maxActionsPerHour: cap },
    doc: "a /24 or /48 network never seen for the key, after its learning period",
  },
  new_user_agent: {
    severity: "medium",
    actsOnKey: true,
    params: { maxActionsPerHour: cap },
    doc: "a user agent never seen for the key, after its learning period",
  },
  volume_spike: {
    severity: "high",
    actsOnKey: true,
    params: {
      deviations: { default: 6, min: 1, max: 100, doc: "how many standard deviations above the mean" },
      minSamples: { default: 60, min: 5, max: 100_000, doc: "minutes of history before it may fire" },
      minPerMinute: {
        default: 100,
        min: 1,
        max: 100_000_000,
        doc: "verifications per minute below which it never fires",
      },
      maxActionsPerHour: cap,
    },
    doc: "a key's verifications per minute far above its own exponentially weighted mean",
  },
  failure_burst: {
    severity: "high",
    actsOnKey: false,
    params: {
      perMinute: { default: 100, min: 1, max: 100_000_000, doc: "refused verifications from one network in a minute" },
    },
    doc: "many refused verifications from one network (guessing, stuffing)",
  },
};

export const DEFAULT_LEARNING_PERIOD_MS = 7 * 24 * 3_600_000;
export const MAX_LEARNING_PERIOD_MS = 365 * 24 * 3_600_000;

export function isDetectorId(id: string): id is DetectorId {
  return (DETECTOR_IDS as readonly string[]).includes(id);
}

export function defaultParams(id: DetectorId): Record<string, number> {
  return Object.fromEntries(Object.entries(DETECTORS[id].params).map(([name, spec]) => [name, spec.default]));
}

/** Checks `params` against the detector's specs: 400 naming the field when one is out of range. */
export function checkParams(id: DetectorId, params: Record<string, unknown>): Record<string, number> {
  const specs = DETECTORS[id].params;
  const checked = defaultParams(id);
  for (const [name, value] of Object.entries(params)) {
    const spec = specs[name];
    if (!spec) {
      const known = Object.keys(specs);
      throw validationFailed(`${id} has no parameter ${name}${known.length ? `; it has ${known.join(", ")}` : ""}`, {
        field: name,
      });
    }
    if (typeof value !== "number" || !Number.isFinite(value) || value < spec.min || value > spec.max) {
      throw validationFailed(`${name} must be a number from ${spec.min} to ${spec.max} (${spec.doc})`, { field: name });
    }
    checked[name] = value;
  }
  return checked;
}
