/**
 * Shared shapes of the scanner: what a detector reports, and what a finding carries.
 * @module
 */

/** A keyword occurrence found by the prefilter: `start` is the offset of its first character. */
export interface KeywordHit {
  start: number;
  /** The keyword as registered by the detector (lower case). */
  keyword: string;
}

/** One secret a detector found inside the text it was given. */
export interface DetectorMatch {
  /** Offset of the reported location (usually the first character of the secret). */
  start: number;
  /** Offset just past the matched text. */
  end: number;
  /** The secret itself: what fingerprints, liveness checks and `--show-secrets` use. */
  secret: string;
  /** Non-secret text shown before the redacted secret (for example an AWS key id, or a URL's user). */
  label?: string;
  /** Another span belonging to this match (an AWS secret key apart from its key id): other detectors' overlapping reports yield to it. */
  related?: { start: number; end: number };
}

/**
 * A detector. The prefilter finds its `keywords` (case-insensitively, in one pass over the
 * bytes) and `detect` is only called with the hits, so a detector never scans a whole buffer.
 * Detectors must run in time linear in the text they look at, whatever the input.
 */
export interface Detector {
  /** Stable id used in findings, baselines, SARIF rule ids and allowlists. */
  id: string;
  description: string;
  /** Literal keywords, lower case; at least one occurs in every secret the detector can find. */
  keywords: readonly string[];
  /** Lower number wins when two detectors report overlapping text. */
  priority: number;
  /**
   * Finds secrets around the hits of its keywords in `text` (hits are ordered by position). The
   * hit objects are reused by the engine after the call returns: read them, do not keep them.
   * `bytes` are what `text` was decoded from, one character per byte (latin1): reading them in
   * loops is cheaper than `charCodeAt`.
   */
  detect(text: string, hits: readonly KeywordHit[], bytes?: Uint8Array): DetectorMatch[];
}

/** Where a finding came from in git history. */
export interface CommitInfo {
  commit: string;
  author: string;
  email: string;
  date: string;
}

/** What the authority said about a leaked Tessera token. */
export interface LivenessInfo {
  status: "active" | "deprecated" | "revoked" | "expired" | "unknown";
  keyId: string | null;
}

/** What `--revoke` did about a leaked Tessera token. */
export interface RemediationInfo {
  keyId: string | null;
  statusBefore: LivenessInfo["status"];
  actionTaken: "revoked" | "deprecated" | "notified" | "none";
}

/** A finding as reported: the secret is only present with `showSecrets`. */
export interface Finding {
  detector: string;
  description: string;
  /** Path of the file (relative to the scanned root as given), or `<stdin>`. */
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based column, in UTF-16 code units of the line decoded as UTF-8 (bytes on very long lines). */
  column: number;
  /** 1-based column just past the secret on its first line. */
  endColumn: number;
  commit?: CommitInfo;
  /** Redacted preview such as `tsk_AbCd…(34 more)`. */
  preview: string;
  /** sha256(detector + ":" + secret), first 32 hex characters: the same secret gives the same value anywhere. */
  fingerprint: string;
  /** sha256(detector + ":" + secret + ":" + file), first 32 hex characters: stable when lines move. */
  locationFingerprint: string;
  liveness?: LivenessInfo;
  remediation?: RemediationInfo;
  /** Only with `showSecrets`. */
  secret?: string;
}

/** A finding with its secret, as it travels inside the scanner. Never printed as is. */
export interface InternalFinding extends Omit<Finding, "secret"> {
  secret: string;
  /** Text of the line around the finding is not kept; only whether it carried `tessera:allow`. */
  inlineAllowed: boolean;
}
