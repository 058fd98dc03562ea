/**
 * Suppression of accepted findings: `tessera:allow` on the same line, and the config file's
 * path globs, secret patterns and fingerprints.
 * @module
 */

import { createRequire } from "node:module";
import type { Ignore } from "ignore";
import type { ScanConfig } from "./config.js";
import type { InternalFinding } from "./types.js";

/** Why a finding was suppressed, or null when it stands. */
export type SuppressionReason = "inline" | "path" | "pattern" | "fingerprint";

export interface Allowlist {
  reasonFor(finding: InternalFinding): SuppressionReason | null;
}

/**
 * @param relativePathOf the finding's path relative to the scanned root (globs are matched
 * against it); by default the finding's file as reported.
 */
export function createAllowlist(
  config: ScanConfig["allowlist"] = {},
  relativePathOf: (file: string) => string = (f) => f,
): Allowlist {
  // Loaded only when there are path globs: most scans have none, and loading the module is a
  // noticeable part of the CLI's start-up.
  const paths = config.paths !== undefined && config.paths.length > 0 ? loadIgnore()().add(config.paths) : null;
  const patterns = (config.patterns ?? []).map((p) => new RegExp(p));
  const fingerprints = new Set(config.fingerprints ?? []);
  return {
    reasonFor(finding) {
      if (finding.inlineAllowed) return "inline";
      const relativePath = relativePathOf(finding.file).replace(/^\.\//, "").replace(/\\/g, "/");
      if (
        relativePath !== "" &&
        !relativePath.startsWith("/") &&
        !relativePath.startsWith("..") &&
        !relativePath.startsWith("<")
      ) {
        if (paths?.ignores(relativePath)) return "path";
      }
      if (patterns.some((p) => p.test(finding.secret))) return "pattern";
      if (fingerprints.has(finding.fingerprint) || fingerprints.has(finding.locationFingerprint)) return "fingerprint";
      return null;
    },
  };
}

/** The `ignore` factory (a CommonJS module), loaded on first use. */
function loadIgnore(): () => Ignore {
  return createRequire(import.meta.url)("ignore") as () => Ignore;
}
