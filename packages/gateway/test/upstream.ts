/**
 * A small upstream service for the tests: it answers with the identity headers it received,
 * streams, and speaks just enough WebSocket handshake to prove an upgrade went through.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface TestUpstream {
  url: string;
  port: number;
  server: Server;
  /** Headers of every request received, in order. */
  received: { method: string; url: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

export async function startUpstream(): Promise<TestUpstream> {
  const received: TestUpstream["received"] = [];
  const server = createServer((req, res) => {
    received.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    if (req.url?.startsWith("/stream")) {
      // Echo the request body back as it arrives (a streamed upload and download).
      res.writeHead(200, { "content-type": "application/octet-stream" });
      req.pipe(res);
      return;
    }
    if (req.url?.startsWith("/slow")) return void setTimeout(() => res.end("late"), 2000);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        path: req.url,
        principal: req.headers["x-tessera-principal"] ?? null,
        keyId: req.headers["x-tessera-key-id"] ?? null,
        scopes: req.headers["x-tessera-scopes"] ?? null,
        authorization: req.headers.authorization ?? null,
      }),
    );
  });
  const upgraded = new Set<import("node:stream").Duplex>();
  server.on("upgrade", (req, socket) => {
    upgraded.add(socket);
    received.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers });
    socket.write("HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n\r\n");
    socket.on("data", (chunk) => socket.write(chunk)); // echo raw bytes
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    received,
    async close() {
      server.closeAllConnections();
      for (const socket of upgraded) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
