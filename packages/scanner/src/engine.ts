/**
 * The matching core: prefilter once over the bytes, then each detector over its own hits, then
 * overlapping reports resolved in favour of the more specific detector.
 * @module
 */

import { createPrefilter, HitBuffer, type Prefilter } from "./prefilter.js";
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
 * What {@link findMatches} reuses from call to call on one engine: hits are written into typed
 * arrays and handed to detectors as pooled objects, so a chunk with thousands of keyword hits
 * allocates next to nothing.
 */
interface Workspace {
  hits: HitBuffer;
  pool: KeywordHit[];
  /** For each prefilter keyword index, the indexes in `detectors` of the detectors that want it. */
  detectorsOf: (readonly number[])[];
}

const workspaces = new WeakMap<Engine, Workspace>();
/** Hits kept for reuse at most: a pathological chunk (`tsk_` a million times) must not leave a big pool behind. */
const MAX_POOLED_HITS = 65_536;

function workspaceOf(engine: Engine): Workspace {
  let workspace = workspaces.get(engine);
  if (workspace === undefined) {
    workspace = {
      hits: new HitBuffer(),
      pool: [],
      detectorsOf: engine.prefilter.keywords.map((keyword) =>
        (engine.byKeyword.get(keyword) ?? []).map((d) => engine.detectors.indexOf(d)),
      ),
    };
    workspaces.set(engine, workspace);
  }
  return workspace;
}

/**
 * Every secret in `bytes`, ordered by position. `bytes` are read as latin1 (one character per
 * byte), so offsets are byte offsets, invalid UTF-8 cannot throw, and ASCII tokens match
 * whatever the file's encoding.
 */
export function findMatches(engine: Engine, bytes: Uint8Array): EngineMatch[] {
  const workspace = workspaceOf(engine);
  const count = engine.prefilter.collect(bytes, workspace.hits);
  if (count === 0) return [];
  const { starts, keywordIndexes } = workspace.hits;
  const { pool, detectorsOf } = workspace;
  const keywords = engine.prefilter.keywords;
  const perDetector: (KeywordHit[] | undefined)[] = new Array(engine.detectors.length);
  // Hits come ordered by end position; a detector wants them by start, which differs only when
  // keywords of different lengths end close together.
  const sorted: boolean[] = new Array(engine.detectors.length).fill(true);
  for (let h = 0; h < count; h++) {
    const keywordIndex = keywordIndexes[h] as number;
    let hit = pool[h];
    if (hit === undefined) {
      hit = { start: 0, keyword: "" };
      pool.push(hit);
    }
    hit.start = starts[h] as number;
    hit.keyword = keywords[keywordIndex] as string;
    const interested = detectorsOf[keywordIndex] as readonly number[];
    for (let d = 0; d < interested.length; d++) {
      const index = interested[d] as number;
      const list = perDetector[index];
      if (list === undefined) perDetector[index] = [hit];
      else {
        if ((list[list.length - 1] as KeywordHit).start > hit.start) sorted[index] = false;
        list.push(hit);
      }
    }
  }
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = buffer.toString("latin1");
  const matches: EngineMatch[] = [];
  for (let index = 0; index < perDetector.length; index++) {
    const detectorHits = perDetector[index];
    if (detectorHits === undefined) continue;
    if (!sorted[index]) detectorHits.sort((a, b) => a.start - b.start);
    const detector = engine.detectors[index] as Detector;
    for (const match of detector.detect(text, detectorHits, buffer)) matches.push({ ...match, detector });
  }
  if (count > MAX_POOLED_HITS) {
    pool.length = MAX_POOLED_HITS;
    workspace.hits = new HitBuffer();
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
