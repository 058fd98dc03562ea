import { describe, expect, it } from "vitest";
import { createSseParser, type SseEvent } from "../src/sse.js";

function parse(chunks: string[]): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = createSseParser((e) => events.push(e));
  for (const chunk of chunks) parser.push(chunk);
  return events;
}

describe("SSE parser", () => {
  it("dispatches events split at any byte, with ids, names and multi-line data", () => {
    const text =
      'id: 7\nevent: change\ndata: {"a":1}\n\n: comment\ndata: line1\ndata: line2\n\nevent: heartbeat\ndata: {}\n\n';
    const whole = parse([text]);
    expect(whole).toEqual([
      { event: "change", data: '{"a":1}', id: "7" },
      { event: "message", data: "line1\nline2", id: undefined },
      { event: "heartbeat", data: "{}", id: undefined },
    ]);
    for (let split = 1; split < text.length; split++) {
      expect(parse([text.slice(0, split), text.slice(split)])).toEqual(whole);
    }
    expect(parse(text.split(""))).toEqual(whole);
  });

  it("accepts CRLF line ends and ignores a partial event", () => {
    expect(parse(["event: a\r\ndata: x\r\n\r\nevent: b\r\ndata: y"])).toEqual([
      { event: "a", data: "x", id: undefined },
    ]);
  });

  it("handles a multi-megabyte event in small chunks", () => {
    const big = "x".repeat(3_000_000);
    const text = `event: keys\ndata: ${big}\n\n`;
    const chunks: string[] = [];
    for (let i = 0; i < text.length; i += 65_536) chunks.push(text.slice(i, i + 65_536));
    const events = parse(chunks);
    expect(events).toHaveLength(1);
    expect(events[0]?.data.length).toBe(big.length);
  });
});
