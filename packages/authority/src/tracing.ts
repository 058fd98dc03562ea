/**
 * Spans for the actions an operator traces: issue, revoke (with the receipt's confirmations as
 * events), feed broadcast, webhook delivery. Through the OpenTelemetry API only: until tracing is
 * started (`OTEL_EXPORTER_OTLP_ENDPOINT`, telemetry/start.ts) every call is the API's no-op and
 * costs next to nothing. Attributes carry ids and counts, never a secret, token or hash (a test
 * with an in-memory exporter checks every attribute of every span).
 */
import { type Attributes, type Span, SpanStatusCode, trace } from "@opentelemetry/api";

const tracer = () => trace.getTracer("tessera-authority");

/** Runs `fn` in a span named `name`; an error ends the span with an error status and goes on. */
export function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      // The code only: messages are ours and secret-free, but a code is all a trace needs.
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as { code?: string }).code ?? "error" });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** A span for synchronous work (the feed's broadcast runs on the event loop without awaiting). */
export function inSyncSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => T): T {
  return tracer().startActiveSpan(name, { attributes }, (span) => {
    try {
      return fn(span);
    } finally {
      span.end();
    }
  });
}

/** An event on the span that is current here, if any. */
export function spanEvent(name: string, attributes: Attributes): void {
  trace.getActiveSpan()?.addEvent(name, attributes);
}
