/**
 * Keyword prefilter: one Aho-Corasick automaton over every detector's keywords, run once over
 * the raw bytes with a dense transition table (states x 256). ASCII letters are folded to lower
 * case in the table, so matching is case-insensitive at no cost. This is the only pass that
 * touches every byte; detectors then only look at the places where their keywords occur.
 * A hand-written automaton rather than one big alternation regex: it works on bytes (no string
 * is built for buffers without hits), its cost does not depend on the number of keywords, and
 * it measured faster than V8's regex engine on source-like text. Larger buffers are scanned as
 * four interleaved lanes (see {@link INTERLEAVE_MIN}) by a small WebAssembly loop
 * (`prefilter-wasm.ts`; one lane of JavaScript where WebAssembly is unavailable), and hits are
 * written into reused typed arrays ({@link HitBuffer}): this loop is where the scanner spends most
 * of its time.
 * @module
 */

import { createWasmScanLoop } from "./prefilter-wasm.js";
import type { KeywordHit } from "./types.js";

export interface Prefilter {
  /** Every occurrence of every keyword in `bytes[from, to)`, ordered by end position. */
  find(bytes: Uint8Array, from?: number, to?: number): KeywordHit[];
  /**
   * The same occurrences as {@link Prefilter.find}, written into reusable storage instead of
   * allocated: the start of each and the index of its keyword in {@link Prefilter.keywords}.
   * Returns how many there are.
   */
  collect(bytes: Uint8Array, into: HitBuffer): number;
  readonly keywords: readonly string[];
}

/** End offsets and accepting rows found by one lane of the scan loop, before expansion into keywords. */
class Lane {
  ends = new Int32Array(1024);
  rows = new Int32Array(1024);
  count = 0;

  push(end: number, row: number): void {
    if (this.count === this.ends.length) {
      this.ends = grown(this.ends);
      this.rows = grown(this.rows);
    }
    this.ends[this.count] = end;
    this.rows[this.count] = row;
    this.count++;
  }
}

function grown(array: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const larger = new Int32Array(array.length * 2);
  larger.set(array);
  return larger;
}

/** Storage for {@link Prefilter.collect}, reused from call to call; grown as needed. */
export class HitBuffer {
  starts = new Int32Array(4096);
  keywordIndexes = new Int32Array(4096);
  /** Raw results of the four lanes of the scan loop. */
  readonly lanes: readonly [Lane, Lane, Lane, Lane] = [new Lane(), new Lane(), new Lane(), new Lane()];

  grow(): void {
    this.starts = grown(this.starts);
    this.keywordIndexes = grown(this.keywordIndexes);
  }
}

/**
 * Below this many bytes, one lane of JavaScript: copying into WebAssembly memory and the set-up
 * of the interleaved loop are not worth it. Above, the buffer is cut into four quarters scanned
 * in one loop, one byte of each per step. A table step waits for the previous one (the next row
 * depends on the loaded entry), so a single lane is bound by load latency; four independent lanes
 * keep the CPU busy (in JavaScript they measured 1.7 to 2 times faster than one; the same loop in
 * WebAssembly, without bounds checks, 1.5 to 1.7 times faster again).
 */
const INTERLEAVE_MIN = 4096;

/** The keyword trie: children by byte, and the keywords (indexes into `unique`) ending at each state. */
function buildTrie(unique: readonly string[]): { children: Map<number, number>[]; output: number[][] } {
  const children: Map<number, number>[] = [new Map()];
  const output: number[][] = [[]];
  for (let k = 0; k < unique.length; k++) {
    const word = unique[k] as string;
    if (word.length === 0) throw new TypeError("prefilter keywords must not be empty");
    let state = 0;
    for (let i = 0; i < word.length; i++) {
      const byte = word.charCodeAt(i);
      if (byte > 127) throw new TypeError(`prefilter keyword "${word}" must be ASCII`);
      const node = children[state] as Map<number, number>;
      let next = node.get(byte);
      if (next === undefined) {
        next = children.length;
        children.push(new Map());
        output.push([]);
        node.set(byte, next);
      }
      state = next;
    }
    (output[state] as number[]).push(k);
  }
  return { children, output };
}

/**
 * The dense transition table (states x 256) with failure links resolved, case folded; completes
 * `output` with the keywords each state's failure chain ends.
 */
function buildTransitions(children: readonly Map<number, number>[], output: number[][]): Int32Array {
  const stateCount = children.length;
  const delta = new Int32Array(stateCount * 256);
  const fail = new Int32Array(stateCount);
  // Breadth-first, so a state's failure state (shallower) has its row complete before it is
  // copied: a state's row is its failure state's row with its own children written over it.
  const queue: number[] = [0];
  for (let head = 0; head < queue.length; head++) {
    const state = queue[head] as number;
    const failRow = (fail[state] as number) * 256;
    if (state !== 0) delta.copyWithin(state * 256, failRow, failRow + 256);
    for (const [c, next] of children[state] as Map<number, number>) {
      if (state !== 0) {
        fail[next] = delta[failRow + c] as number;
        output[next] = (output[next] as number[]).concat(output[fail[next] as number] as number[]);
      }
      delta[state * 256 + c] = next;
      queue.push(next);
    }
  }
  // Fold A-Z onto a-z: keywords are stored in lower case.
  for (let s = 0; s < stateCount; s++) {
    for (let c = 65; c <= 90; c++) delta[s * 256 + c] = delta[s * 256 + c + 32] as number;
  }
  return delta;
}

/**
 * The table a loop runs on: entries are the next state's row offset (`state * rowBytes`), so a
 * step is one load and one add; entries of accepting states are stored bitwise-negated, so the
 * only test per byte is a sign check. JavaScript rows are indexes (256), WebAssembly's byte
 * offsets (1024).
 */
function stepTable(delta: Int32Array, accepting: readonly boolean[], rowSize: number): Int32Array {
  const table = new Int32Array(delta.length);
  for (let i = 0; i < table.length; i++) {
    const next = delta[i] as number;
    table[i] = accepting[next] ? ~(next * rowSize) : next * rowSize;
  }
  return table;
}

/** What a built prefilter runs on. */
interface Automaton {
  unique: readonly string[];
  output: readonly (readonly number[])[];
  /** Keyword lengths, by keyword index. */
  lengths: readonly number[];
  maxLength: number;
  table: Int32Array;
  wasmLoop: ReturnType<typeof createWasmScanLoop>;
}

/** Runs the automaton over `bytes[from, to)` from `row`, recording hits in `lane`; returns the last row. */
function scanSerial(table: Int32Array, bytes: Uint8Array, row: number, from: number, to: number, lane: Lane): number {
  let r = row;
  for (let i = from; i < to; i++) {
    r = table[r + (bytes[i] as number)] as number;
    if (r < 0) {
      r = ~r;
      lane.push(i, r);
    }
  }
  return r;
}

/**
 * The row at `at` as if the scan had started at 0: the automaton's state is the longest keyword
 * prefix ending there, so only the `maxLength` bytes before `at` matter.
 */
function rowAt(a: Automaton, bytes: Uint8Array, at: number): number {
  const table = a.table;
  let r = 0;
  for (let i = Math.max(0, at - a.maxLength); i < at; i++) {
    r = table[r + (bytes[i] as number)] as number;
    if (r < 0) r = ~r;
  }
  return r;
}

/** Four quarters in one WebAssembly loop; each lane records the hits that end in its quarter, so lane order is end order. */
function scanInterleaved(
  a: Automaton,
  wasmLoop: NonNullable<Automaton["wasmLoop"]>,
  bytes: Uint8Array,
  lanes: HitBuffer["lanes"],
): void {
  const length = bytes.length;
  const quarter = Math.floor(length / 4);
  const run = wasmLoop.run(bytes, quarter, [
    0,
    rowAt(a, bytes, quarter) * 4,
    rowAt(a, bytes, 2 * quarter) * 4,
    rowAt(a, bytes, 3 * quarter) * 4,
  ]);
  const words = run.words;
  for (let k = 0; k < 4; k++) {
    const lane = lanes[k] as Lane;
    const base = run.hits + 2 * k * run.perLane;
    const found = run.counts[k] as number;
    for (let h = 0; h < found; h++) lane.push(words[base + 2 * h] as number, (words[base + 2 * h + 1] as number) >> 2);
  }
  scanSerial(a.table, bytes, (run.finalRows[3] as number) >> 2, 4 * quarter, length, lanes[3]);
}

/** Expands the lanes' accepting rows into keyword starts and indexes in `into`; answers the count. */
function expandLanes(a: Automaton, into: HitBuffer): number {
  const { output, lengths } = a;
  let count = 0;
  for (const lane of into.lanes) {
    for (let h = 0; h < lane.count; h++) {
      const end = lane.ends[h] as number;
      const found = output[(lane.rows[h] as number) >> 8] as number[];
      for (let o = 0; o < found.length; o++) {
        if (count === into.starts.length) into.grow();
        const k = found[o] as number;
        into.starts[count] = end + 1 - (lengths[k] as number);
        into.keywordIndexes[count] = k;
        count++;
      }
    }
  }
  return count;
}

function collect(a: Automaton, bytes: Uint8Array, into: HitBuffer): number {
  const lanes = into.lanes;
  for (const lane of lanes) lane.count = 0;
  if (bytes.length < INTERLEAVE_MIN || a.wasmLoop === null) scanSerial(a.table, bytes, 0, 0, bytes.length, lanes[0]);
  else scanInterleaved(a, a.wasmLoop, bytes, lanes);
  return expandLanes(a, into);
}

function find(a: Automaton, bytes: Uint8Array, from: number, to: number): KeywordHit[] {
  const into = new HitBuffer();
  const count = collect(a, bytes.subarray(from, to), into);
  const hits: KeywordHit[] = new Array(count);
  for (let h = 0; h < count; h++) {
    hits[h] = {
      start: from + (into.starts[h] as number),
      keyword: a.unique[into.keywordIndexes[h] as number] as string,
    };
  }
  return hits;
}

/** Builds the automaton. Keywords must be non-empty ASCII; they are matched case-insensitively. */
export function createPrefilter(keywords: Iterable<string>): Prefilter {
  const unique = [...new Set([...keywords].map((k) => k.toLowerCase()))];
  const { children, output } = buildTrie(unique);
  const delta = buildTransitions(children, output);
  const accepting = output.map((found) => found.length > 0);
  const lengths = unique.map((k) => k.length);
  const automaton: Automaton = {
    unique,
    output,
    lengths,
    maxLength: Math.max(...lengths),
    table: stepTable(delta, accepting, 256),
    wasmLoop: createWasmScanLoop(stepTable(delta, accepting, 1024)),
  };
  const prefilter: Prefilter = {
    keywords: unique,
    collect: (bytes, into) => collect(automaton, bytes, into),
    find: (bytes, from = 0, to = bytes.length) => find(automaton, bytes, from, to),
  };
  warmUp(prefilter, unique);
  return prefilter;
}

/**
 * Runs every path of `collect` once (one lane and four, hits in every lane) before it gets hot.
 * V8 optimises the loop after a few thousand bytes; a path that has not run by then has no type
 * feedback, and the first hit there throws the optimised code away. Measured in a cold process:
 * about 90 such deoptimisations over the first files, in the CLI and in every worker thread.
 */
function warmUp(prefilter: Prefilter, keywords: readonly string[]): void {
  // Buffers, as the scanner passes: a different kind of array would be a different map to V8.
  const sample = Buffer.alloc(keywords.reduce((n, k) => n + k.length + 1, 0));
  let at = 0;
  for (const keyword of keywords) {
    for (let i = 0; i < keyword.length; i++) sample[at++] = keyword.charCodeAt(i);
    sample[at++] = 32;
  }
  const long = Buffer.alloc(Math.max(2 * INTERLEAVE_MIN, 8 * sample.length));
  for (let i = 0; i < long.length; i += sample.length) long.set(sample.subarray(0, long.length - i), i);
  const into = new HitBuffer();
  prefilter.collect(sample, into);
  prefilter.collect(long, into);
}
