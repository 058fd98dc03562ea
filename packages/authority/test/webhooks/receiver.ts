/**
 * An in-test webhook receiver on 127.0.0.1: records every request (headers and raw body) and
 * answers per its mode. `down()` closes the port (connection refused); `up()` listens again on
 * the same port.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  headers: IncomingHttpHeaders;
  rawBody: string;
  body: { id: string; type: string; createdAt: string; data: Record<string, unknown> };
}

export type Mode = { kind: "ok" } | { kind: "status"; status: number } | { kind: "hang" };

export interface Receiver {
  url: string;
  received: Received[];
  mode: Mode;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(path = "/hooks"): Promise<Receiver> {
  const hanging = new Set<ServerResponse>();
  let server: Server | null = null;
  let port = 0;
  const receiver: Receiver = {
    url: "",
    received: [],
    mode: { kind: "ok" },
    async down() {
      if (!server) return;
      const closing = server;
      server = null;
      for (const response of hanging) response.destroy();
      hanging.clear();
      closing.closeAllConnections();
      await new Promise<void>((resolve) => closing.close(() => resolve()));
    },
    async up() {
      if (server) return;
      server = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on("data", (chunk: Buffer) => chunks.push(chunk));
        request.on("end", () => {
          const rawBody = Buffer.concat(chunks).toString("utf8");
          receiver.received.push({ headers: request.headers, rawBody, body: JSON.parse(rawBody) });
          const mode = receiver.mode;
          if (mode.kind === "hang") {
            hanging.add(response);
            return;
          }
          response.writeHead(mode.kind === "ok" ? 200 : mode.status, { "content-type": "text/plain" });
          response.end("thanks");
        });
      });
      const listening = server;
      await new Promise<void>((resolve) => listening.listen(port, "127.0.0.1", resolve));
      port = (listening.address() as AddressInfo).port;
      receiver.url = `http://127.0.0.1:${port}${path}`;
    },
    async close() {
      await receiver.down();
    },
  };
  await receiver.up();
  return receiver;
}
