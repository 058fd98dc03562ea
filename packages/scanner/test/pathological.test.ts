import { describe, expect, it } from "vitest";
import { findIn, tesseraToken } from "./helpers.js";

/** Generous bound: linear detectors take milliseconds; catastrophic backtracking takes minutes. */
const DEADLINE_MS = 2000;
const MB = 1024 * 1024;

function timed(text: string): { ms: number; count: number } {
  const started = performance.now();
  const count = findIn(text).length;
  return { ms: performance.now() - started, count };
}

describe("pathological inputs finish in bounded time", () => {
  const cases: [string, () => string][] = [
    ["1 MB of a", () => "a".repeat(MB)],
    ["tsk_ repeated", () => "tsk_".repeat(MB / 4)],
    ["ghp_ repeated", () => "ghp_".repeat(MB / 4)],
    ["sk- repeated", () => "sk-".repeat(MB / 3)],
    ["sk-proj- followed by a megabyte of token characters", () => `sk-proj-${"A1b2".repeat(MB / 4)}`],
    ["-----BEGIN without end", () => "-----BEGIN ".repeat(MB / 11)],
    ["private key headers without body", () => "-----BEGIN PRIVATE KEY-----".repeat(MB / 27)],
    ["private key header and a megabyte of base64", () => `-----BEGIN PRIVATE KEY-----\n${"QUJD".repeat(MB / 4)}`],
    ["long line of =", () => "=".repeat(MB)],
    ["secret= repeated", () => "secret=".repeat(MB / 7)],
    ['token = " unterminated', () => `token = "${"x1".repeat(MB / 2)}`],
    ["password: repeated", () => "password: ".repeat(MB / 10)],
    ["eyJ repeated", () => "eyJ".repeat(MB / 3)],
    ["eyJ. repeated", () => "eyJhbGciOiJIUzI1NiJ9.".repeat(MB / 21)],
    ["AKIA repeated", () => "AKIA".repeat(MB / 4)],
    ["AKIA ids between 40-char runs", () => `AKIAZ5JQ7VLM3XKT2HBN ${"aB3/".repeat(10)} `.repeat(MB / 62)],
    ["postgres:// repeated", () => "postgres://".repeat(MB / 11)],
    ["postgres://u: with a megabyte of password characters", () => `postgres://u:${"p".repeat(MB)}`],
    ["xox repeated", () => "xoxb-1234567-".repeat(MB / 13)],
    ["hooks.slack.com/ repeated", () => "https://hooks.slack.com/".repeat(MB / 24)],
    ["newlines only", () => "\n".repeat(MB)],
    ["NUL bytes", () => "\0".repeat(MB)],
  ];
  for (const [name, make] of cases) {
    it(name, () => {
      const { ms } = timed(make());
      expect(ms).toBeLessThan(DEADLINE_MS);
    });
  }

  it("still finds a real token after a pathological prefix", () => {
    const token = tesseraToken();
    const text = `${"tsk_".repeat(100_000)}${token}`;
    const started = performance.now();
    const found = findIn(text).filter((f) => f.detector === "tessera");
    expect(performance.now() - started).toBeLessThan(DEADLINE_MS);
    expect(found.map((f) => f.secret)).toEqual([token]);
  });
});
