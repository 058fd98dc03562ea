/**
 * Push delivery (RFC 8935) to a receiver on loopback: SETs arrive as application/secevent+jwt
 * with the configured Authorization header, a receiver that fails is retried with backoff, and
 * nothing is left once it accepts.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, expect, it } from "vitest";
import { describeEachStore } from "../stores.js";
import { type SsfFixture, startSsfFixture } from "./fixture.js";

const CAEP = "https://schemas.openid.net/secevent/caep/event-type";

interface Received {
  contentType: string | undefined;
  authorization: string | undefined;
  body: string;
  answered: number;
}

describeEachStore("SSF push delivery", (kind) => {
  let f: SsfFixture;
  let receiver: Server;
  let received: Received[];
  let failuresLeft: number;
  beforeEach(async () => {
    f = await startSsfFixture(kind);
    received = [];
    failuresLeft = 1;
    receiver = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => {
        body += chunk;
      });
      request.on("end", () => {
        const answered = failuresLeft-- > 0 ? 503 : 202;
        received.push({
          contentType: request.headers["content-type"],
          authorization: request.headers.authorization,
          body,
          answered,
        });
        response.writeHead(answered).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  });
  afterEach(async () => {
    await new Promise((resolve) => receiver.close(resolve));
    await f.close();
  });

  it("pushes a revoked key's SET, retries after the receiver fails, and keeps nothing once accepted", async () => {
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/events`;
    const created = await f.call<{ stream_id: string }>("POST", "/ssf/stream", {
      delivery: { method: "urn:ietf:rfc:8935", endpoint_url: url, authorization_header: "Bearer receiver-token" },
      events_requested: [`${CAEP}/credential-change`],
      aud: "https://receiver.example",
    });
    expect(created.status).toBe(201);
    const key = await f.issueKey("pushed");
    await f.call("POST", `/v1/keys/${key.id}/revoke`, { reason: "leaked" });
    // While the receiver fails, what waits is visible in the metrics.
    await expect.poll(() => received.length, { timeout: 10_000 }).toBeGreaterThan(0);
    const scraped = await (await fetch(`${f.server.url}/metrics`)).text();
    expect(scraped).toMatch(new RegExp(`tessera_ssf_pending_sets\\{stream="${created.body.stream_id}"\\} [12]`));
    // Issue and revoke: two SETs; the first attempt fails (503) and is retried after about 1 s.
    await expect.poll(() => received.filter((r) => r.answered === 202).length, { timeout: 15_000 }).toBe(2);
    expect(received[0]?.answered).toBe(503);
    for (const r of received) {
      expect(r.contentType).toBe("application/secevent+jwt");
      expect(r.authorization).toBe("Bearer receiver-token");
    }
    const accepted = await Promise.all(
      received.filter((r) => r.answered === 202).map((r) => f.verifySet(r.body, "https://receiver.example")),
    );
    expect(accepted.map((s) => s.events[`${CAEP}/credential-change`]?.change_type).sort()).toEqual([
      "create",
      "revoke",
    ]);
    const left = await f.server.authority.database.db.selectFrom("ssf_outbox").selectAll().execute();
    expect(left).toEqual([]);
    // The stream's configuration never shows the receiver's token.
    const shown = await f.call("GET", `/ssf/stream?stream_id=${created.body.stream_id}`);
    expect(JSON.stringify(shown.body)).not.toContain("receiver-token");
    const stored = await f.server.authority.database.db.selectFrom("ssf_streams").selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain("receiver-token");
  });

  it("pushes only where webhooks may go: internal addresses need TESSERA_WEBHOOK_ALLOW_HOSTS", async () => {
    for (const url of ["http://10.0.0.7/events", "http://169.254.169.254/latest", "https://user:pw@example.com/x"]) {
      const refused = await f.call<{ error: { code: string } }>("POST", "/ssf/stream", {
        delivery: { method: "urn:ietf:rfc:8935", endpoint_url: url },
      });
      expect(refused.status, url).toBe(400);
      expect(["webhook_url_forbidden", "validation_failed"], url).toContain(refused.body.error.code);
    }
  });
});
