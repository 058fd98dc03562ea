/** Human-readable output helpers: aligned tables and key/value blocks. */

export function table(rows: Record<string, string>[], columns: string[]): string {
  if (rows.length === 0) return "(none)\n";
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => (r[c] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return (
    [line(columns.map((c) => c.toUpperCase())), ...rows.map((r) => line(columns.map((c) => r[c] ?? "")))].join("\n") +
    "\n"
  );
}

export function block(fields: [string, unknown][]): string {
  const width = Math.max(...fields.map(([k]) => k.length));
  return (
    fields
      .filter(([, v]) => v !== undefined)
      .map(
        ([k, v]) =>
          `${`${k}:`.padEnd(width + 2)}${v === null ? "-" : Array.isArray(v) ? v.join(" ") || "-" : typeof v === "object" ? JSON.stringify(v) : String(v)}`,
      )
      .join("\n") + "\n"
  );
}

export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
