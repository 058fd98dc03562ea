/**
 * A small Server-Sent Events parser (the WHATWG event-stream format): `event`, `data`
 * (several lines joined by "\n"), `id`, comments; LF or CRLF line ends. Incremental: feed it
 * text as it arrives; each character is scanned once and a long line is joined once, so
 * multi-megabyte events cost linear time.
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
  // The unfinished line, as the pieces it arrived in: joined once when its end arrives, so a
  // multi-megabyte line costs one copy, not one per chunk.
  let partial: string[] = [];
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
      let start = 0;
      for (;;) {
        const newline = text.indexOf("\n", start);
        if (newline === -1) {
          if (start < text.length) partial.push(start === 0 ? text : text.slice(start));
          return;
        }
        let piece = text.slice(start, newline);
        if (partial.length > 0) {
          partial.push(piece);
          piece = partial.join("");
          partial = [];
        }
        line(piece.charCodeAt(piece.length - 1) === 13 ? piece.slice(0, -1) : piece);
        start = newline + 1;
      }
    },
    /** Drops any partial event (after a reconnect). */
    reset(): void {
      partial = [];
      eventName = "";
      data = [];
      id = undefined;
    },
  };
}
