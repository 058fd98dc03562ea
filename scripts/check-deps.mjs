#!/usr/bin/env node
/**
 * Module edges from issue 12, checked mechanically so that they keep holding:
 *  1. no import runs up a layer (each package's layers are listed below, lowest first);
 *  2. a feature imports another feature only through its index.ts (the layers above a feature,
 *     http and cli, may reach into it: they are its callers, not its peers);
 *  3. no circle between source files (type-only imports included: a circle of types is still
 *     two modules that cannot be understood apart).
 * A small script rather than a general tool because the rules are ours and few; it reads only
 * relative imports (packages talk to each other through their package names and exports).
 * Usage: node scripts/check-deps.mjs   (exit 1 and one line per offending edge)
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

const root = new URL("..", import.meta.url).pathname;

/**
 * Layers, lowest first. A file belongs to the first layer with a matching path prefix (relative
 * to the package's src/); `features` are folders at one level that import each other only through
 * their index.ts.
 */
const PACKAGES = {
  "packages/authority/src": {
    layers: [
      // The row types are data definitions that the pure domain reads (types only).
      ["schema", ["db/schema.ts", "db/schema-monitoring.ts", "db/schema-ssf.ts"]],
      ["base", ["domain/", "clock.ts", "ids.ts", "duration.ts", "errors.ts", "tracing.ts"]],
      // The master key's cipher: no I/O, needed by config and by the features that seal secrets.
      ["crypto", ["crypto/"]],
      ["db", ["db/"]],
      ["audit", ["audit/"]],
      ["config", ["config.ts", "config/", "context.ts"]],
      [
        "features",
        [
          "keys/",
          "principals/",
          "leaks/",
          "oauth/",
          "stepup/",
          "services/",
          "campaigns/",
          "webhooks/",
          "jobs/",
          "feed/",
          "scim/",
          "usage/",
          "findings/",
          "ssf/",
          "ssf-receiver/",
        ],
      ],
      ["composition", ["authority.ts", "telemetry/"]],
      ["http", ["http/"]],
      ["entry", ["cli/", "server.ts", "index.ts"]],
    ],
    features: true,
  },
  "packages/verifier/src": {
    layers: [
      ["wire", ["wire.ts", "types.ts", "base62.ts", "crc32.ts", "hash.ts", "duration.ts", "token-format.ts"]],
      ["core", [""]],
      ["facade", ["create-verifier.ts"]],
      ["middleware", ["middleware/"]],
      ["entry", ["index.ts"]],
    ],
  },
  "packages/scanner/src": {
    layers: [
      ["base", ["types.ts", "errors.ts", "entropy.ts", "config.ts", "state.ts", "report/stats.ts"]],
      [
        "detection",
        ["detectors/", "prefilter", "chunked.ts", "engine.ts", "finding.ts", "allowlist.ts", "baseline.ts"],
      ],
      ["sources", ["sources/"]],
      ["scan", ["scan.ts", "remediation.ts"]],
      ["report", ["report/"]],
      ["entry", ["cli.ts", "bin.ts", "index.ts"]],
    ],
  },
};

function sourceFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.ts$/.test(name) && !name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

function layerOf(spec, rel) {
  for (const [index, [name, prefixes]] of spec.layers.entries()) {
    if (prefixes.some((p) => rel.startsWith(p))) return { index, name };
  }
  throw new Error(`${rel} is in no layer: add it to PACKAGES in scripts/check-deps.mjs`);
}

function featureOf(spec, rel) {
  if (!spec.features || !rel.includes("/")) return null;
  const layer = layerOf(spec, rel);
  return spec.layers[layer.index][0] === "features" ? rel.slice(0, rel.indexOf("/")) : null;
}

function importsOf(file) {
  const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
  const out = [];
  for (const { fileName } of info.importedFiles) {
    if (!fileName.startsWith(".")) continue;
    const target = resolve(dirname(file), fileName).replace(/\.js$/, ".ts");
    if (existsSync(target)) out.push(target);
    else if (existsSync(join(target, "index.ts"))) out.push(join(target, "index.ts"));
  }
  return out;
}

/** Tarjan's strongly connected components: every component of more than one file is a circle. */
function circles(graph) {
  let next = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const found = [];
  const visit = (v) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) === index.get(v)) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component);
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

const problems = [];
for (const [dir, spec] of Object.entries(PACKAGES)) {
  const src = join(root, dir);
  const graph = new Map();
  for (const file of sourceFiles(src)) {
    const from = relative(src, file);
    const fromLayer = layerOf(spec, from);
    const fromFeature = featureOf(spec, from);
    const targets = importsOf(file);
    graph.set(file, targets);
    for (const target of targets) {
      const to = relative(src, target);
      const toLayer = layerOf(spec, to);
      if (toLayer.index > fromLayer.index) {
        problems.push(`${dir}: ${from} (${fromLayer.name}) imports ${to} (${toLayer.name}): up a layer`);
      }
      const toFeature = featureOf(spec, to);
      if (fromFeature && toFeature && toFeature !== fromFeature && !to.endsWith("/index.ts")) {
        problems.push(`${dir}: ${from} imports ${to}: another feature, not through ${toFeature}/index.ts`);
      }
    }
  }
  for (const component of circles(graph)) {
    problems.push(
      `${dir}: circle: ${component
        .map((f) => relative(src, f))
        .sort()
        .join(" <-> ")}`,
    );
  }
}

for (const problem of problems) console.error(problem);
if (problems.length > 0) {
  console.error(`\n${problems.length} module edge(s) break the layering (see scripts/check-deps.mjs)`);
  process.exit(1);
}
console.log("module edges: no import up a layer, features through their index, no circle");
