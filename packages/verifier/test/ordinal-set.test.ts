import { describe, expect, it } from "vitest";
import { OrdinalSet } from "../src/ordinal-set.js";

describe("OrdinalSet", () => {
  it("holds exactly its ordinals: small, strided, past 32 bits, duplicated", () => {
    let seed = 3;
    const random = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (const make of [
      (i: number) => i + 1,
      (i: number) => 1 + i * 200,
      (i: number) => 2 ** 40 + i * 4096,
      (i: number) => 1 + random(50_000) + i * 0,
    ]) {
      const values = Array.from({ length: 5000 }, (_, i) => make(i));
      const set = new OrdinalSet(values);
      const model = new Set(values);
      for (const v of values) expect(set.has(v)).toBe(true);
      for (let probe = 0; probe < 20_000; probe++) {
        const v = 1 + random(2_000_000) + (make(0) > 2 ** 32 ? 2 ** 40 : 0);
        expect(set.has(v)).toBe(model.has(v));
      }
    }
    expect(new OrdinalSet([]).has(1)).toBe(false);
  });
});
