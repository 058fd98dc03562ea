import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { crc32Ascii } from "../src/crc32.js";
import { hashToken } from "../src/hash.js";
import { checksumOf, displayStart, generateToken, parseToken, TOKEN_BODY_LENGTH } from "../src/token-format.js";

const rng = (n: number) => new Uint8Array(randomBytes(n));

describe("token format", () => {
  it("generates <prefix>_<32 random><6 checksum> tokens that parse back", () => {
    const token = generateToken("tsk", rng);
    expect(token).toMatch(/^tsk_[0-9A-Za-z]{38}$/);
    expect(token.length).toBe(4 + TOKEN_BODY_LENGTH);
    const parsed = parseToken(token);
    expect(parsed?.prefix).toBe("tsk");
    expect(parsed?.checksum).toBe(checksumOf(parsed?.random ?? ""));
  });

  it("uses the standard CRC-32 polynomial", () => {
    // The well-known check value of CRC-32/ISO-HDLC.
    expect(crc32Ascii("123456789")).toBe(0xcbf43926);
  });

  it("accepts a deployment's own prefix and can restrict to known prefixes", () => {
    const token = generateToken("acme", rng);
    expect(parseToken(token)?.prefix).toBe("acme");
    expect(parseToken(token, new Set(["tsk"]))).toBeNull();
    expect(() => generateToken("Bad-Prefix", rng)).toThrow(TypeError);
  });

  it("rejects every single-character corruption of the body", () => {
    const token = generateToken("tsk", rng);
    let accepted = 0;
    for (let i = 4; i < token.length; i++) {
      const replacement = token[i] === "a" ? "b" : "a";
      const corrupted = token.slice(0, i) + replacement + token.slice(i + 1);
      if (parseToken(corrupted)) accepted++;
    }
    expect(accepted).toBe(0);
  });

  it("returns null for garbage without throwing", () => {
    const inputs: unknown[] = [
      "",
      "tsk_",
      "tsk_short",
      "x".repeat(1_000_000),
      "\u0000\u0001binary",
      `tsk_${"!".repeat(TOKEN_BODY_LENGTH)}`,
      null,
      undefined,
      42,
      {},
    ];
    for (const input of inputs) expect(parseToken(input)).toBeNull();
  });

  it("shows only the prefix and four characters as the display start", () => {
    const token = generateToken("tsk", rng);
    expect(displayStart(token)).toBe(token.slice(0, 8));
  });

  it("hashes to 43 base64url characters, distinct per token", () => {
    const a = generateToken("tsk", rng);
    const b = generateToken("tsk", rng);
    expect(hashToken(a)).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(hashToken(a)).not.toBe(hashToken(b));
  });

  it("draws random characters uniformly enough that 10,000 tokens never collide", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i++) seen.add(generateToken("tsk", rng));
    expect(seen.size).toBe(10_000);
  });
});
