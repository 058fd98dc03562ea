/**
 * With OTEL_EXPORTER_OTLP_ENDPOINT set, a revoke's trace reaches an OTLP/HTTP collector: here a
 * local receiver of `POST /v1/traces`. Without it, tracing stays off and nothing is sent.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { startAuthority } from "../../src/server.js";
import { createTestStore, describeEachStore, type TestStore } from "../stores.js";

describeEachStore("OTLP export", (kind) => {
  let store: TestStore;
  let collector: Server;
  let endpoint: string;
  const received: { path: string; type: string; body: Buffer }[] = [];
  beforeEach(async () => {
    store = await createTestStore(kind);
    received.length = 0;
    collector = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        received.push({ path: req.url ?? "", type: String(req.headers["content-type"]), body: Buffer.concat(chunks) });
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await new Promise<void>((resolve) => collector.close(() => resolve()));
    await store.drop();
  });

  async function revokeOne(tracingEndpoint: string) {
    const running = await startAuthority(loadConfig({}, { databaseUrl: store.url, port: 0, tracingEndpoint }), {
      logger: false,
    });
    const root = running.bootstrap.rootKey?.secret as string;
    const call = (method: string, path: string, body: unknown) =>
      fetch(`${running.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${root}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      }).then((r) => r.json() as Promise<Record<string, unknown> & { id: string; key: { id: string } }>);
    const principal = await call("POST", "/v1/principals", {
      name: "svc",
      kind: "service",
      owner: "o",
      allowedScopes: ["a"],
    });
    const issued = await call("POST", "/v1/keys", { principalId: principal.id, scopes: ["a"] });
    await call("POST", `/v1/keys/${issued.key.id}/revoke?wait=0s`, { reason: "done" });
    // Closing flushes what the batch processor holds.
    await running.close();
    return { root, keyId: issued.key.id };
  }

  it("sends the revoke's spans, with the request span, to the collector", async () => {
    const { root, keyId } = await revokeOne(endpoint);
    const traces = received.filter((r) => r.path === "/v1/traces");
    expect(traces.length).toBeGreaterThan(0);
    const all = Buffer.concat(traces.map((t) => t.body)).toString("latin1");
    for (const name of ["tessera.key.revoke", "tessera.key.issue", "tessera.receipt"]) expect(all).toContain(name);
    expect(all).toContain(keyId);
    expect(all).toContain("tessera-authority");
    expect(all).toContain("/v1/keys/:id/revoke");
    expect(all).not.toContain(root);
  });

  it("sends nothing when no endpoint is configured", async () => {
    await revokeOne("");
    expect(received).toEqual([]);
  });
});
