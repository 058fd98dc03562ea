/**
 * Starts OpenTelemetry tracing when `OTEL_EXPORTER_OTLP_ENDPOINT` is set: spans go to that
 * collector over OTLP/HTTP in batches. The SDK, the exporter, @fastify/otel (a span per request)
 * and the http and pg instrumentations are loaded only then, so an authority without tracing
 * pays nothing for them at start-up. The service name is `OTEL_SERVICE_NAME`, else
 * `tessera-authority`.
 */
import type { FastifyPluginCallback } from "fastify";

export interface Tracing {
  /** Registers a span per HTTP request on the Fastify app. */
  fastifyPlugin: FastifyPluginCallback;
  /** Sends what is buffered and stops. */
  shutdown(): Promise<void>;
}

export async function startTracing(endpoint: string): Promise<Tracing | null> {
  if (!endpoint) return null;
  const [{ BatchSpanProcessor, NodeTracerProvider }, { OTLPTraceExporter }, { registerInstrumentations }] =
    await Promise.all([
      import("@opentelemetry/sdk-trace-node"),
      import("@opentelemetry/exporter-trace-otlp-http"),
      import("@opentelemetry/instrumentation"),
    ]);
  const [{ HttpInstrumentation }, { PgInstrumentation }, { default: FastifyOtelInstrumentation }] = await Promise.all([
    import("@opentelemetry/instrumentation-http"),
    import("@opentelemetry/instrumentation-pg"),
    import("@fastify/otel"),
  ]);
  process.env.OTEL_SERVICE_NAME ??= "tessera-authority";
  const exporter = new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, "")}/v1/traces` });
  const provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
  provider.register();
  const fastifyOtel = new FastifyOtelInstrumentation({ registerOnInitialization: false });
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [new HttpInstrumentation(), new PgInstrumentation(), fastifyOtel],
  });
  return {
    fastifyPlugin: fastifyOtel.plugin() as unknown as FastifyPluginCallback,
    async shutdown() {
      await provider.forceFlush();
      await provider.shutdown();
      unregister();
      // The process-wide registrations go too: a later start (tests, a restart in-process) begins clean.
      const api = await import("@opentelemetry/api");
      api.trace.disable();
      api.context.disable();
      api.propagation.disable();
    },
  };
}
