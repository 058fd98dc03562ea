/**
 * A small Server-Sent Events parser (the WHATWG event-stream format): `event`, `data`
 * (several lines joined by "\n"), `id`, comments; LF or CRLF line ends. Incremental: feed it
 * text as it arrives; it never rescans what it has already scanned, so multi-megabyte events
 * cost linear time.
 * @module
 */

/** One dispatched event. */
export interface SseEvent {
  event: string;
  data: string;
  /** The `id` field of this event, if it had one. */
  id: string | undefined;
}

/**
 * Creates a parser that calls `onEvent` for every complete event.
 * @example
 * const parser = createSseParser((e) => console.log(e.event, e.data));
 * parser.push("event: ping\ndata: {}\n\n");
 */
export function createSseParser(onEvent: (event: SseEvent) => void) {
  let buffer = "";
  let scanned = 0;
  let eventName = "";
  let data: string[] = [];
  let id: string | undefined;

  function line(text: string): void {
    if (text.length === 0) {
      if (data.length > 0 || eventName !== "") {
        const event: SseEvent = { event: eventName || "message", data: data.join("\n"), id };
        eventName = "";
        data = [];
        id = undefined;
        onEvent(event);
      }
      return;
    }
    if (text.charCodeAt(0) === 58 /* : */) return;
    const colon = text.indexOf(":");
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? "" : text.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === "data") data.push(value);
    else if (field === "event") eventName = value;
    else if (field === "id" && !value.includes("\u0000")) id = value;
  }

  return {
    /** Parses `text`, dispatching every event it completes. */
    push(text: string): void {
      buffer += text;
      let start = 0;
      for (;;) {
        const newline = buffer.indexOf("\n", scanned);
        if (newline === -1) {
          scanned = buffer.length;
          break;
        }
        const end = newline > start && buffer.charCodeAt(newline - 1) === 13 ? newline - 1 : newline;
        line(buffer.slice(start, end));
        start = newline + 1;
        scanned = start;
      }
      if (start > 0) {
        buffer = buffer.slice(start);
        scanned -= start;
      }
    },
    /** Drops any partial event (after a reconnect). */
    reset(): void {
      buffer = "";
      scanned = 0;
      eventName = "";
      data = [];
      id = undefined;
    },
  };
}
