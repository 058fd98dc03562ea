/** The receiver's counter on the app's registry: pushed SETs by outcome (accepted, or RFC 8935's error). */
import { Counter, type Registry } from "prom-client";
import type { SsfReceiver } from "./service.js";

const registered = new WeakSet<Registry>();

export function ssfReceiverMetrics(registry: Registry, receiver: SsfReceiver): void {
  if (registered.has(registry)) return;
  registered.add(registry);
  const received = new Counter({
    name: "tessera_ssf_received_sets_total",
    help: "SETs pushed to the SSF receiver, by outcome: accepted, or the error it was refused with (invalid_key, invalid_issuer, invalid_audience, invalid_request).",
    labelNames: ["outcome"] as const,
    registers: [registry],
  });
  receiver.onOutcome((outcome) => received.inc({ outcome }));
}
