import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ChunkedScanner } from "../src/chunked.js";
import { selectDetectors } from "../src/detectors/index.js";
import { createEngine } from "../src/engine.js";
import { scanFile } from "../src/sources/files.js";
import { random62, tempDir, tesseraToken } from "./helpers.js";

const engine = createEngine(selectDetectors());

function scanInPieces(bytes: Buffer, pieces: number[], chunkSize: number, overlap: number) {
  const scanner = new ChunkedScanner(engine, { chunkSize, overlap });
  let at = 0;
  for (const size of pieces) {
    scanner.push(bytes.subarray(at, at + size));
    at += size;
  }
  scanner.push(bytes.subarray(at));
  return scanner.end();
}

describe("chunked scanning", () => {
  it("finds a token at every offset across chunk boundaries, exactly once, with the right line and column", () => {
    const token = tesseraToken();
    const chunkSize = 97;
    const overlap = 64;
    for (let offset = 0; offset < 300; offset++) {
      const text = `${"x".repeat(offset)}\n${"y".repeat(offset % 7)}${token}\n`;
      const found = scanInPieces(Buffer.from(text), [], chunkSize, overlap);
      expect(
        found.map((f) => f.secret),
        `offset ${offset}`,
      ).toEqual([token]);
      expect(found[0]).toMatchObject({ line: 2, column: (offset % 7) + 1 });
    }
  });

  it("does not depend on how the input is split into pushes", () => {
    const tokens = Array.from({ length: 40 }, () => tesseraToken());
    const text = tokens.map((t, i) => `${random62(i * 3)} ${t}\n`).join("");
    const bytes = Buffer.from(text);
    for (const pieces of [[1, 1, 1, 5, 13], [200, 3, 500], Array.from({ length: 400 }, () => 7)]) {
      const found = scanInPieces(bytes, pieces, 128, 64);
      expect(found.map((f) => f.secret)).toEqual(tokens);
      expect(found.map((f) => f.line)).toEqual(tokens.map((_, i) => i + 1));
    }
  });

  it("finds a multi-line private key straddling chunks when it fits in the overlap", () => {
    const pem = `-----BEGIN PRIVATE KEY-----\n${Array.from({ length: 20 }, () => random62(64)).join("\n")}\n-----END PRIVATE KEY-----`;
    const text = `${"z".repeat(5000)}\n${pem}\n${"z".repeat(5000)}`;
    const found = scanInPieces(Buffer.from(text), [], 1000, 4096);
    expect(found.map((f) => [f.match.detector.id, f.line])).toEqual([["private-key", 2]]);
  });

  it("finds an AWS pair whose secret comes before the key id in the previous chunk", () => {
    const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq8h3k2Lm9";
    for (let pad = 0; pad < 200; pad += 7) {
      const text = `${"q ".repeat(300 + pad)}secret=${secret}\nid=AKIAZ5JQ7VLM3XKT2HBN\n`;
      const found = scanInPieces(Buffer.from(text), [], 256, 600);
      expect(
        found.map((f) => f.match.detector.id),
        `pad ${pad}`,
      ).toEqual(["aws"]);
    }
  });

  it("scans invalid UTF-8 without throwing and reports columns in bytes past it", () => {
    const token = tesseraToken();
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0x80]), Buffer.from(` ${token}\n`)]);
    const found = scanInPieces(bytes, [], 1024, 64);
    expect(found.map((f) => f.secret)).toEqual([token]);
  });

  it("rejects an overlap too small to be meaningful", () => {
    expect(() => new ChunkedScanner(engine, { overlap: 8 })).toThrow(RangeError);
  });
});

describe("large single-line file", () => {
  const dir = tempDir();
  afterAll(() => dir.cleanup());

  it("streams a multi-megabyte one-line file in small chunks and finds every token, including boundary ones", () => {
    const chunkSize = 4096;
    const tokens: string[] = [];
    const parts: string[] = [];
    let length = 0;
    // Put tokens right across chunk boundaries and between them; no newline anywhere.
    for (let i = 0; length < 6 * 1024 * 1024; i++) {
      const filler = "a".repeat(chunkSize - 20 + (i % 40));
      const token = tesseraToken();
      tokens.push(token);
      parts.push(filler, token);
      length += filler.length + token.length;
    }
    const path = join(dir.path, "one-line.txt");
    writeFileSync(path, parts.join(""));
    const result = scanFile(engine, { path, display: "one-line.txt" }, { maxFileSize: 1e9, chunkSize, overlap: 512 });
    expect(result.status).toBe("scanned");
    expect(result.findings.map((f) => f.secret)).toEqual(tokens);
    expect(new Set(result.findings.map((f) => f.line))).toEqual(new Set([1]));
    // Columns on a line that started before the chunk are byte offsets.
    const expectedFirstColumn = (parts[0] as string).length + 1;
    expect(result.findings[0]?.column).toBe(expectedFirstColumn);
  });
});
