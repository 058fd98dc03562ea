import type { Readable } from "node:stream";
import { ChunkedScanner } from "../chunked.js";
import type { Engine } from "../engine.js";
import { toFinding } from "../finding.js";
import type { InternalFinding } from "../types.js";

/** Name used as the file of findings read from standard input. */
export const STDIN_NAME = "<stdin>";

/**
 * Scans a stream (build logs, `kubectl logs -f`, ...) in bounded memory. Binary content is not
 * skipped: logs often carry stray control bytes.
 */
export async function scanStream(
  engine: Engine,
  stream: Readable,
  options: { chunkSize?: number; overlap?: number; name?: string } = {},
): Promise<{ findings: InternalFinding[]; bytes: number }> {
  const scanner = new ChunkedScanner(engine, {
    ...(options.chunkSize ? { chunkSize: options.chunkSize } : {}),
    ...(options.overlap ? { overlap: options.overlap } : {}),
  });
  for await (const chunk of stream) {
    scanner.push(typeof chunk === "string" ? Buffer.from(chunk, "utf8") : (chunk as Buffer));
  }
  const name = options.name ?? STDIN_NAME;
  return { findings: scanner.end().map((m) => toFinding(m, { file: name })), bytes: scanner.bytes };
}
