/**
 * SARIF 2.1.0 (OASIS) output, accepted by GitHub code scanning and most security dashboards.
 * Validated in the tests against the official 2.1.0 JSON schema.
 * @module
 */

import type { Detector, Finding } from "../types.js";
import type { ScanStats } from "./stats.js";

export const SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

export function formatSarif(
  findings: readonly Finding[],
  stats: ScanStats,
  detectors: readonly Pick<Detector, "id" | "description">[],
  version: string,
): string {
  const rules = detectors.map((d) => ({
    id: d.id,
    name: ruleName(d.id),
    shortDescription: { text: d.description },
    fullDescription: {
      text: `${d.description}. A credential in source, logs or history must be treated as compromised: revoke or rotate it, then remove it.`,
    },
    defaultConfiguration: { level: "error" as const },
    helpUri: "https://github.com/tessera/tessera/blob/main/docs/scanner.md#detectors",
    properties: { tags: ["security", "secret"] },
  }));
  const ruleIndex = new Map(rules.map((r, i) => [r.id, i]));
  const results = findings.map((f) => {
    const properties: Record<string, unknown> = { preview: f.preview };
    if (f.commit) properties.commit = f.commit;
    if (f.liveness) properties.liveness = f.liveness;
    if (f.remediation) properties.remediation = f.remediation;
    const message = `${f.description}: ${f.preview}${f.commit ? ` (commit ${f.commit.commit.slice(0, 12)})` : ""}`;
    return {
      ruleId: f.detector,
      ruleIndex: ruleIndex.get(f.detector) ?? -1,
      level: "error" as const,
      kind: "fail" as const,
      message: { text: message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: toUri(f.file) },
            region: { startLine: f.line, startColumn: f.column, endColumn: Math.max(f.endColumn, f.column + 1) },
          },
        },
      ],
      partialFingerprints: { "tesseraSecret/v1": f.fingerprint, "tesseraLocation/v1": f.locationFingerprint },
      properties,
    };
  });
  const log = {
    $schema: SARIF_SCHEMA,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "tessera-scan",
            semanticVersion: version,
            informationUri: "https://github.com/tessera/tessera",
            rules,
          },
        },
        columnKind: "utf16CodeUnits",
        results,
        properties: { stats },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

function ruleName(id: string): string {
  return id
    .split("-")
    .map((w) => (w[0] ?? "").toUpperCase() + w.slice(1))
    .join("");
}

/** A relative path as a URI reference: forward slashes, percent-encoded. */
function toUri(file: string): string {
  const posix = file.replace(/\\/g, "/").replace(/^\.\//, "");
  return posix
    .split("/")
    .map((segment) => encodeURIComponent(segment))
    .join("/");
}
