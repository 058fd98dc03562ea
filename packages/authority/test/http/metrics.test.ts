/**
 * Metric names follow the Prometheus conventions (https://prometheus.io/docs/practices/naming/)
 * and are all documented in docs/metrics.md. The names are read from a real scrape, so a metric
 * added anywhere (any module registering on the app's registry) is checked too.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createHttpHarness, type HttpHarness } from "../http-harness.js";
import { describeEachStore } from "../stores.js";

const DOCS = readFileSync(new URL("../../../../docs/metrics.md", import.meta.url), "utf8");

/** prom-client's default collection names these gauges `_total`; kept for its dashboards. */
const PROM_CLIENT_GAUGES_NAMED_TOTAL = new Set([
  "nodejs_active_handles_total",
  "nodejs_active_requests_total",
  "nodejs_active_resources_total",
]);

/** Base units (and our one count unit) a name may end with; `_total` may follow on counters. */
const UNIT = /_(seconds|bytes|ratio|changes|info)$/;
/** Words that measure something with a unit: a name containing one must end with a unit. */
const NEEDS_UNIT = /(^|_)(lag|duration|latency|age|delay|time|size|memory)(_|$)/;
/** Non-base units Prometheus asks to convert (milliseconds to seconds, kilobytes to bytes...). */
const NON_BASE_UNIT = /_(ms|milliseconds|microseconds|minutes|hours|days|kb|kilobytes|mb|megabytes|percent)(_|$)/;

interface Family {
  name: string;
  type: string;
  help: string;
}

function families(text: string): Family[] {
  const help = new Map<string, string>();
  const found: Family[] = [];
  for (const line of text.split("\n")) {
    const h = /^# HELP (\S+) (.*)$/.exec(line);
    if (h) help.set(h[1] as string, h[2] as string);
    const t = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (t) found.push({ name: t[1] as string, type: t[2] as string, help: help.get(t[1] as string) ?? "" });
  }
  return found;
}

/** Every way a family's name breaks the conventions (empty when it follows them). */
function violations({ name, type, help }: Family): string[] {
  const problems: string[] = [];
  const ours = !name.startsWith("process_") && !name.startsWith("nodejs_");
  if (!/^[a-z][a-z0-9_]*$/.test(name)) problems.push("not snake_case");
  if (ours && !name.startsWith("tessera_")) problems.push("no tessera_ prefix");
  const words = name.split("_");
  if (words.some((word, i) => i > 0 && word === words[i - 1])) problems.push("a word repeated (double prefix?)");
  if (type === "counter" && !name.endsWith("_total")) problems.push("a counter without _total");
  if (type !== "counter" && name.endsWith("_total") && !PROM_CLIENT_GAUGES_NAMED_TOTAL.has(name)) {
    problems.push(`_total on a ${type}`);
  }
  const base = name.replace(/_total$/, "");
  if ((type === "histogram" || type === "summary") && !UNIT.test(base)) problems.push(`a ${type} without a unit`);
  if (NEEDS_UNIT.test(base) && !UNIT.test(base)) problems.push("a measure without a unit suffix");
  if (NON_BASE_UNIT.test(name)) problems.push("not a base unit");
  if (help.trim().length < 10) problems.push("no help text");
  return problems;
}

describeEachStore("metric names", (kind) => {
  let h: HttpHarness;
  let scraped: Family[];

  beforeAll(async () => {
    h = await createHttpHarness(kind);
    const response = await h.call("GET", "/metrics", { key: null });
    expect(response.statusCode).toBe(200);
    scraped = families(response.body);
  });
  afterAll(async () => {
    await h.close();
  });

  it("every metric follows the Prometheus naming conventions", () => {
    expect(scraped.length).toBeGreaterThan(20);
    const broken = scraped.map((f) => ({ name: f.name, problems: violations(f) })).filter((f) => f.problems.length);
    expect(broken).toEqual([]);
  });

  it("every tessera_ metric is documented in docs/metrics.md with its type", () => {
    const ours = scraped.filter((f) => f.name.startsWith("tessera_"));
    expect(ours.map((f) => f.name)).toEqual(
      expect.arrayContaining(["tessera_http_requests_total", "tessera_api_keys"]),
    );
    const undocumented = ours.filter((f) => !new RegExp(`\\| \`${f.name}\` \\| ${f.type}\\b`).test(DOCS));
    expect(undocumented.map((f) => `${f.name} (${f.type})`)).toEqual([]);
  });

  it("the names issue 11 reported are gone", () => {
    const names = new Set(scraped.map((f) => f.name));
    for (const old of ["tessera_process_process_cpu_seconds_total", "tessera_verifier_lag", "tessera_tokens"]) {
      expect(names.has(old)).toBe(false);
    }
    for (const renamed of ["process_cpu_seconds_total", "tessera_verifier_lag_changes", "tessera_api_keys"]) {
      expect(names.has(renamed)).toBe(true);
    }
  });
});

it("the convention check itself catches the names issue 11 reported", () => {
  const bad: Family[] = [
    { name: "tessera_process_process_cpu_seconds_total", type: "counter", help: "cpu time spent" },
    { name: "tessera_verifier_lag", type: "gauge", help: "changes not applied" },
    { name: "tessera_requests", type: "counter", help: "requests answered" },
    { name: "tessera_latency_ms", type: "histogram", help: "request latency" },
    { name: "tessera_keys_total", type: "gauge", help: "keys by state" },
  ];
  for (const family of bad) expect(violations(family), family.name).not.toEqual([]);
  expect(violations({ name: "tessera_verifier_lag_changes", type: "gauge", help: "changes not applied" })).toEqual([]);
});
