/**
 * The TOTP primitives against their RFCs: RFC 6238 appendix B (SHA-1, SHA-256, SHA-512, 8
 * digits), RFC 4226 appendix D (HOTP, 6 digits) and RFC 4648 section 10 (base32).
 */

import { describe, expect, it } from "vitest";
import { loadMasterKey } from "../../src/crypto/master-key.js";
import { generateRecoveryCodes, hashRecoveryCode, normalizeRecoveryCode } from "../../src/stepup/recovery-codes.js";
import {
  base32Decode,
  base32Encode,
  hotp,
  matchTotp,
  otpauthUri,
  type TotpAlgorithm,
  timeStep,
  totp,
} from "../../src/stepup/totp.js";

// RFC 6238 appendix A: the seed is the ASCII digits repeated to the hash's block-ish length.
const SEEDS: Record<TotpAlgorithm, Buffer> = {
  sha1: Buffer.from("12345678901234567890", "ascii"),
  sha256: Buffer.from("12345678901234567890123456789012", "ascii"),
  sha512: Buffer.from("1234567890123456789012345678901234567890123456789012345678901234", "ascii"),
};

const RFC6238: Array<[number, string, TotpAlgorithm]> = [
  [59, "94287082", "sha1"],
  [59, "46119246", "sha256"],
  [59, "90693936", "sha512"],
  [1111111109, "07081804", "sha1"],
  [1111111109, "68084774", "sha256"],
  [1111111109, "25091201", "sha512"],
  [1111111111, "14050471", "sha1"],
  [1111111111, "67062674", "sha256"],
  [1111111111, "99943326", "sha512"],
  [1234567890, "89005924", "sha1"],
  [1234567890, "91819424", "sha256"],
  [1234567890, "93441116", "sha512"],
  [2000000000, "69279037", "sha1"],
  [2000000000, "90698825", "sha256"],
  [2000000000, "38618901", "sha512"],
  [20000000000, "65353130", "sha1"],
  [20000000000, "77737706", "sha256"],
  [20000000000, "47863826", "sha512"],
];

describe("TOTP (RFC 6238)", () => {
  it.each(RFC6238)("at %i s, %s (%s)", (seconds, expected, algorithm) => {
    expect(totp(SEEDS[algorithm], seconds * 1000, { digits: 8, algorithm })).toBe(expected);
  });

  it("matches RFC 4226 appendix D (HOTP, 6 digits)", () => {
    const expected = [
      "755224",
      "287082",
      "359152",
      "969429",
      "338314",
      "254676",
      "287922",
      "162583",
      "399871",
      "520489",
    ];
    expect(expected.map((_, counter) => hotp(SEEDS.sha1, counter))).toEqual(expected);
  });

  it("uses 30-second steps and 6 digits by default", () => {
    expect(timeStep(59_000)).toBe(1);
    expect(timeStep(60_000)).toBe(2);
    // The 6-digit code is the last 6 digits of the 8-digit vector.
    expect(totp(SEEDS.sha1, 59_000)).toBe("287082");
  });

  it("accepts a code one step either side of now and no further, naming its step", () => {
    const now = 1_234_567_890_000;
    const step = timeStep(now);
    for (const offset of [-1, 0, 1]) {
      expect(matchTotp(SEEDS.sha1, hotp(SEEDS.sha1, step + offset), now)).toBe(step + offset);
    }
    for (const offset of [-3, -2, 2, 3]) {
      const code = hotp(SEEDS.sha1, step + offset);
      const inWindow = [-1, 0, 1].map((o) => hotp(SEEDS.sha1, step + o));
      if (!inWindow.includes(code)) expect(matchTotp(SEEDS.sha1, code, now)).toBeNull();
    }
  });

  it("refuses anything that is not six digits", () => {
    const now = 1_111_111_109_000;
    const code = totp(SEEDS.sha1, now);
    for (const bad of ["", "12345", `${code}0`, ` ${code}`, "abcdef", "１２３４５６"]) {
      expect(matchTotp(SEEDS.sha1, bad, now)).toBeNull();
    }
  });
});

describe("base32 (RFC 4648)", () => {
  it.each([
    ["", ""],
    ["f", "MY"],
    ["fo", "MZXQ"],
    ["foo", "MZXW6"],
    ["foob", "MZXW6YQ"],
    ["fooba", "MZXW6YTB"],
    ["foobar", "MZXW6YTBOI"],
  ])("%s <-> %s", (plain, encoded) => {
    expect(base32Encode(Buffer.from(plain))).toBe(encoded);
    expect(base32Decode(encoded).toString()).toBe(plain);
  });

  it("decodes lower case, spaces and padding, and refuses other characters", () => {
    expect(base32Decode("mzxw 6ytb oi======").toString()).toBe("foobar");
    expect(() => base32Decode("MZXW1")).toThrow();
  });
});

describe("otpauth URI and recovery codes", () => {
  it("builds the URI authenticator apps import", () => {
    const text = otpauthUri(SEEDS.sha1, "Tessera", "alice ops");
    expect(text.startsWith("otpauth://totp/Tessera:alice%20ops?")).toBe(true);
    const uri = new URL(text);
    expect(Object.fromEntries(uri.searchParams)).toEqual({
      secret: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
      issuer: "Tessera",
      algorithm: "SHA1",
      digits: "6",
      period: "30",
    });
  });

  it("generates ten distinct codes that normalise and hash stably", () => {
    const codes = generateRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[a-z2-7]{5}-[a-z2-7]{5}$/);
    const first = codes[0] as string;
    expect(normalizeRecoveryCode(first.toUpperCase().replace("-", " "))).toBe(first.replace("-", ""));
    expect(normalizeRecoveryCode("123456")).toBeNull();
    const key = loadMasterKey({ TESSERA_MASTER_KEY: Buffer.alloc(32, 7).toString("base64") });
    expect(hashRecoveryCode(key, first.replace("-", ""))).not.toContain(first.replace("-", ""));
  });
});
