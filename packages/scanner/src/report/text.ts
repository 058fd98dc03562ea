import type { Finding } from "../types.js";
import { type ScanStats, summaryLine } from "./stats.js";

const paint = (on: boolean, code: string, text: string): string => (on ? `\u001b[${code}m${text}\u001b[0m` : text);

/** Human-readable report; `color` only when writing to a terminal. */
export function formatText(findings: readonly Finding[], stats: ScanStats, options: { color: boolean }): string {
  const c = options.color;
  const lines: string[] = [];
  for (const f of findings) {
    lines.push(`${paint(c, "1", `${f.file}:${f.line}:${f.column}`)}  ${paint(c, "31", f.detector)}  ${f.preview}`);
    const details = [`fingerprint ${f.fingerprint}`];
    if (f.commit)
      details.push(
        `commit ${f.commit.commit.slice(0, 12)} by ${f.commit.author} <${f.commit.email}> on ${f.commit.date}`,
      );
    lines.push(`    ${paint(c, "2", details.join("  "))}`);
    if (f.secret !== undefined) lines.push(`    secret: ${f.secret}`);
    if (f.remediation) {
      const r = f.remediation;
      lines.push(
        `    authority: was ${r.statusBefore}${r.keyId ? ` (${r.keyId})` : ""}, action: ${paint(c, r.actionTaken === "revoked" ? "32" : "33", r.actionTaken)}`,
      );
    } else if (f.liveness) {
      const l = f.liveness;
      const colour = l.status === "active" || l.status === "deprecated" ? "31" : "32";
      lines.push(
        `    authority: ${paint(c, colour, l.status)}${l.keyId ? ` (${l.keyId})` : ""}${l.status === "active" || l.status === "deprecated" ? " - still valid, revoke it (--revoke)" : ""}`,
      );
    }
  }
  lines.push(summaryLine(stats, findings.length));
  return `${lines.join("\n")}\n`;
}
