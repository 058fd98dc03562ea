/**
 * The matching core: prefilter once over the bytes, then each detector over its own hits, then
 * overlapping reports resolved in favour of the more specific detector.
 * @module
 */

import { createPrefilter, type Prefilter } from "./prefilter.js";
import type { Detector, DetectorMatch, KeywordHit } from "./types.js";

export interface Engine {
  readonly detectors: readonly Detector[];
  readonly prefilter: Prefilter;
  /** Detectors interested in each keyword. */
  readonly byKeyword: ReadonlyMap<string, readonly Detector[]>;
}

/** A match and the detector that made it. */
export interface EngineMatch extends DetectorMatch {
  detector: Detector;
}

export function createEngine(detectors: readonly Detector[]): Engine {
  const byKeyword = new Map<string, Detector[]>();
  for (const detector of detectors) {
    for (const keyword of detector.keywords) {
      const key = keyword.toLowerCase();
      const list = byKeyword.get(key) ?? [];
      if (!list.includes(detector)) list.push(detector);
      byKeyword.set(key, list);
    }
  }
  return { detectors, prefilter: createPrefilter(byKeyword.keys()), byKeyword };
}

/**
 * Every secret in `bytes`, ordered by position. `bytes` are read as latin1 (one character per
 * byte), so offsets are byte offsets, invalid UTF-8 cannot throw, and ASCII tokens match
 * whatever the file's encoding.
 */
export function findMatches(engine: Engine, bytes: Uint8Array): EngineMatch[] {
  const hits = engine.prefilter.find(bytes);
  if (hits.length === 0) return [];
  const perDetector = new Map<Detector, KeywordHit[]>();
  for (const hit of hits) {
    for (const detector of engine.byKeyword.get(hit.keyword) ?? []) {
      let list = perDetector.get(detector);
      if (list === undefined) {
        list = [];
        perDetector.set(detector, list);
      }
      list.push(hit);
    }
  }
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
  const matches: EngineMatch[] = [];
  for (const [detector, detectorHits] of perDetector) {
    detectorHits.sort((a, b) => a.start - b.start);
    for (const match of detector.detect(text, detectorHits)) matches.push({ ...match, detector });
  }
  return resolveOverlaps(matches);
}

/**
 * Keeps, among matches whose spans overlap, the one from the detector with the lowest priority
 * number. Matches are first grouped into clusters of transitively overlapping spans in one sweep
 * (O(n log n)); only inside a cluster (a handful of matches) are pairs compared.
 */
function resolveOverlaps(matches: EngineMatch[]): EngineMatch[] {
  if (matches.length < 2) return matches;
  const spans: { start: number; end: number; index: number }[] = [];
  matches.forEach((m, index) => {
    spans.push({ start: m.start, end: m.end, index });
    if (m.related) spans.push({ start: m.related.start, end: m.related.end, index });
  });
  spans.sort((a, b) => a.start - b.start);
  const parent = matches.map((_, i) => i);
  const find = (i: number): number => {
    let root = i;
    while (parent[root] !== root) root = parent[root] as number;
    while (parent[i] !== root) {
      const next = parent[i] as number;
      parent[i] = root;
      i = next;
    }
    return root;
  };
  let clusterEnd = -1;
  let clusterIndex = -1;
  for (const span of spans) {
    if (span.start < clusterEnd) {
      parent[find(span.index)] = find(clusterIndex);
      clusterEnd = Math.max(clusterEnd, span.end);
    } else {
      clusterEnd = span.end;
      clusterIndex = span.index;
    }
  }
  const clusters = new Map<number, EngineMatch[]>();
  matches.forEach((m, i) => {
    const root = find(i);
    const list = clusters.get(root);
    if (list) list.push(m);
    else clusters.set(root, [m]);
  });
  const kept: EngineMatch[] = [];
  for (const cluster of clusters.values()) {
    if (cluster.length === 1) {
      kept.push(cluster[0] as EngineMatch);
      continue;
    }
    cluster.sort((a, b) => a.detector.priority - b.detector.priority || a.start - b.start || b.end - a.end);
    const chosen: EngineMatch[] = [];
    for (const m of cluster) {
      if (!chosen.some((k) => spansOf(k).some((a) => spansOf(m).some((b) => a.start < b.end && b.start < a.end))))
        chosen.push(m);
    }
    kept.push(...chosen);
  }
  return kept.sort((a, b) => a.start - b.start);
}

function spansOf(match: EngineMatch): { start: number; end: number }[] {
  return match.related ? [match, match.related] : [match];
}
