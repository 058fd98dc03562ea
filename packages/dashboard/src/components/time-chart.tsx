import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";

export interface ChartSeries {
  label: string;
  values: number[];
}

const COLOURS = ["#2563eb", "#dc2626", "#d97706", "#7c3aed", "#059669", "#db2777", "#0891b2", "#4b5563"];

/**
 * Counts over time (one line per series) drawn by uPlot, with a plain table beside it for screen
 * readers: a canvas alone says nothing to them.
 */
export function TimeChart(props: { title: string; times: string[]; series: ChartSeries[] }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!host.current) return;
    const x = props.times.map((t) => new Date(t).getTime() / 1000);
    const width = Math.max(320, host.current.clientWidth || 640);
    const chart = new uPlot(
      {
        width,
        height: 180,
        series: [
          {},
          ...props.series.map((s, i) => ({ label: s.label, stroke: COLOURS[i % COLOURS.length], width: 1.5 })),
        ],
        axes: [{}, { size: 50 }],
        legend: { show: true },
      },
      [x, ...props.series.map((s) => s.values)],
      host.current,
    );
    return () => chart.destroy();
  }, [props.times, props.series]);
  const totals = props.series.map((s) => [s.label, s.values.reduce((a, b) => a + b, 0)] as const);
  return (
    <figure class="chart">
      <figcaption>{props.title}</figcaption>
      <div ref={host} aria-hidden="true" />
      <table class="sr-only">
        <caption>{props.title}: totals</caption>
        <tbody>
          {totals.map(([label, total]) => (
            <tr key={label}>
              <th scope="row">{label}</th>
              <td>{total}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.series.length === 0 ? <p class="muted">Nothing recorded in this window.</p> : null}
    </figure>
  );
}
