import type { Finding } from "../types.js";
import type { ScanStats } from "./stats.js";

/** Version of the JSON report's shape. */
export const JSON_REPORT_VERSION = 1;

/** `{ version, tool, findings, stats }`; secrets only appear with `--show-secrets`. */
export function formatJson(findings: readonly Finding[], stats: ScanStats, extra: { errors?: string[] } = {}): string {
  return `${JSON.stringify({ version: JSON_REPORT_VERSION, tool: "tessera-scan", findings, stats, errors: extra.errors ?? [] }, null, 2)}\n`;
}
