import { randomInt } from "node:crypto";
import { describe, expect, it } from "vitest";
import { selectDetectors } from "../src/detectors/index.js";
import { createEngine } from "../src/engine.js";
import { createPrefilter, HitBuffer } from "../src/prefilter.js";
import type { KeywordHit } from "../src/types.js";

/** Every occurrence by brute force, ordered as the prefilter orders them (by end, longer first). */
function naive(text: string, keywords: readonly string[]): KeywordHit[] {
  const lower = text.toLowerCase();
  const hits: (KeywordHit & { end: number })[] = [];
  for (let start = 0; start < lower.length; start++) {
    for (const keyword of keywords) {
      if (lower.startsWith(keyword, start)) hits.push({ start, keyword, end: start + keyword.length });
    }
  }
  hits.sort((a, b) => a.end - b.end || a.start - b.start);
  return hits.map(({ start, keyword }) => ({ start, keyword }));
}

/** Text made of keyword fragments, case-flipped at random, and filler: dense in partial matches. */
function keywordSoup(keywords: readonly string[], length: number): string {
  let text = "";
  while (text.length < length) {
    const r = randomInt(10);
    if (r < 4) {
      const keyword = keywords[randomInt(keywords.length)] as string;
      const piece = keyword.slice(0, 1 + randomInt(keyword.length));
      text += randomInt(2) === 0 ? piece : piece.toUpperCase();
    } else if (r < 8) text += " \n=_-:/.abcxyz0"[randomInt(15)];
    else text += String.fromCharCode(randomInt(256));
  }
  return text.slice(0, length);
}

describe("prefilter", () => {
  const keywords = createEngine(selectDetectors({ prefixes: ["acme"] })).prefilter.keywords;
  const prefilter = createPrefilter(keywords);

  it("finds exactly what a brute-force search finds, in order, for short and long buffers", () => {
    // Lengths around the size where the scan switches to four interleaved lanes, and larger ones
    // whose quarter boundaries fall inside keywords.
    for (const length of [0, 1, 2, 17, 4095, 4096, 4097, 4099, 10_000, 65_537]) {
      for (let round = 0; round < 4; round++) {
        const text = keywordSoup(keywords, length);
        const bytes = Buffer.from(text, "latin1");
        expect(prefilter.find(bytes)).toEqual(naive(text, keywords));
      }
    }
  });

  it("finds keywords that straddle the boundaries between lanes", () => {
    const length = 4 * 4096;
    for (const keyword of keywords) {
      for (let shift = 1; shift < keyword.length; shift++) {
        const chars = Array.from({ length }, () => "x");
        // A boundary between lanes is at a multiple of the quarter length.
        for (const boundary of [length / 4, length / 2, (3 * length) / 4]) {
          for (let i = 0; i < keyword.length; i++) chars[boundary - shift + i] = keyword[i] as string;
        }
        const text = chars.join("");
        expect(prefilter.find(Buffer.from(text, "latin1"))).toEqual(naive(text, keywords));
      }
    }
  });

  it("reuses its hit storage across calls and grows it", () => {
    const into = new HitBuffer();
    const dense = Buffer.from("tsk_".repeat(20_000), "latin1");
    expect(prefilter.collect(dense, into)).toBe(20_000);
    expect(into.starts[19_999]).toBe(4 * 19_999);
    expect(prefilter.collect(Buffer.from("no keywords here"), into)).toBe(0);
    expect(prefilter.collect(Buffer.from("a TOKEN"), into)).toBe(1);
    expect(keywords[into.keywordIndexes[0] as number]).toBe("token");
    expect(into.starts[0]).toBe(2);
  });

  it("honours from and to", () => {
    const bytes = Buffer.from("token secret token", "latin1");
    expect(prefilter.find(bytes, 1, 18)).toEqual([
      { start: 6, keyword: "secret" },
      { start: 13, keyword: "token" },
    ]);
  });

  it("finds the same without WebAssembly (one lane of JavaScript)", () => {
    const saved = Object.getOwnPropertyDescriptor(globalThis, "WebAssembly");
    // As under `node --jitless`, where there is no WebAssembly.
    Reflect.deleteProperty(globalThis, "WebAssembly");
    let fallback: ReturnType<typeof createPrefilter>;
    try {
      fallback = createPrefilter(keywords);
    } finally {
      if (saved) Object.defineProperty(globalThis, "WebAssembly", saved);
    }
    for (const length of [4095, 4096, 65_537]) {
      const text = keywordSoup(keywords, length);
      expect(fallback.find(Buffer.from(text, "latin1"))).toEqual(naive(text, keywords));
    }
  });
});
