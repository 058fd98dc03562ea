/**
 * A row's usage as a tiny SVG line: one element per row is far cheaper than a chart instance per
 * row when a page lists a hundred keys.
 */
export function Sparkline({ series, label }: { series: number[]; label: string }) {
  const width = 96;
  const height = 20;
  const max = Math.max(1, ...series);
  const step = series.length > 1 ? width / (series.length - 1) : width;
  const points = series.map((v, i) => `${(i * step).toFixed(1)},${(height - 1 - (v / max) * (height - 2)).toFixed(1)}`);
  const total = series.reduce((a, b) => a + b, 0);
  return (
    <svg
      class="sparkline"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      role="img"
      aria-label={`${label}: ${total} uses`}
    >
      <polyline fill="none" stroke="currentColor" stroke-width="1.5" points={points.join(" ")} />
    </svg>
  );
}
