// Shared Signals delivery rate: one revocation by selector of BENCH_SSF_KEYS (10,000) keys, on
// SQLite, watched at the same time by a poll stream (a receiver polling 1,000 SETs at a time and
// acknowledging them), a push stream (a receiver on loopback answering 202) and a webhook
// endpoint (a receiver on loopback answering 204). Each figure is the time from the revocation's
// answer until that receiver holds every event, and the rate it implies; the webhook dispatcher
// is the baseline (it groups up to 1,000 key ids per event, where SSF sends one SET per key, as
// CAEP's credential-change has one subject). Loopback only; cleans up after itself.
import { createServer } from "node:http";
import { loadConfig } from "../../packages/authority/dist/config.js";
import { startAuthority } from "../../packages/authority/dist/server.js";
import { seedKeys } from "../dashboard/seed.js";
import { createStore } from "../lib/stores.js";

const KEYS = Number(process.env.BENCH_SSF_KEYS ?? 10_000);
const CREDENTIAL_CHANGE = "https://schemas.openid.net/secevent/caep/event-type/credential-change";

/** A receiver on loopback counting what it is sent (a webhook's key ids, or one per SET). */
async function receiver(status, count) {
  let received = 0;
  let doneAt = null;
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      received += count(body);
      if (received >= KEYS && doneAt === null) doneAt = performance.now();
      response.writeHead(status).end();
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/in`,
    received: () => received,
    doneAt: () => doneAt,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

async function main() {
  const store = await createStore("sqlite", "ssf");
  const config = loadConfig(
    {},
    { databaseUrl: store.url, port: 0, stepUpSelectorThreshold: KEYS * 10, webhookAllowHosts: ["127.0.0.1"] },
  );
  const first = await startAuthority(config, { logger: false });
  const rootKey = first.bootstrap.rootKey.secret;
  const principal = await first.authority.principals.create(
    { name: "bench", kind: "service", owner: "ssf-bench", allowedScopes: ["orders:read"] },
    { id: "bench", scopes: new Set(["principals:write"]) },
  );
  await first.close();
  seedKeys(store.url, principal.id, KEYS);
  const server = await startAuthority(config, { logger: false });
  const call = async (method, path, body) => {
    const response = await fetch(server.url + path, {
      method,
      headers: { authorization: `Bearer ${rootKey}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  const pushed = await receiver(202, () => 1);
  const hooked = await receiver(204, (body) => {
    const event = JSON.parse(body);
    return event.type === "key.revoked" ? (event.data.keyIds ?? []).length : 0;
  });
  try {
    const poll = await call("POST", "/ssf/stream", {
      delivery: { method: "urn:ietf:rfc:8936" },
      events_requested: [CREDENTIAL_CHANGE],
    });
    await call("POST", "/ssf/stream", {
      delivery: { method: "urn:ietf:rfc:8935", endpoint_url: pushed.url },
      events_requested: [CREDENTIAL_CHANGE],
    });
    await call("POST", "/v1/webhooks", { url: hooked.url, events: ["key.revoked"] });

    await call("POST", "/v1/revocations", { selector: { owner: "ssf-bench" }, reason: "bench" });
    const start = performance.now();
    let polled = 0;
    let ack = [];
    let pollDoneAt = null;
    const deadline = start + 120_000;
    while (
      performance.now() < deadline &&
      (pollDoneAt === null || pushed.doneAt() === null || hooked.doneAt() === null)
    ) {
      if (pollDoneAt === null) {
        const answer = await call("POST", `/ssf/poll/${poll.stream_id}`, {
          ack,
          maxEvents: 1000,
          returnImmediately: true,
        });
        ack = Object.keys(answer.sets);
        polled += ack.length;
        if (polled >= KEYS) pollDoneAt = performance.now();
        if (ack.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      } else await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const row = (name, doneAt, got) => {
      if (doneAt === null)
        return `  ${name.padEnd(26)} incomplete after 120 s: ${got.toLocaleString("en-US")} of ${KEYS.toLocaleString("en-US")}`;
      const s = (doneAt - start) / 1000;
      return `  ${name.padEnd(26)} ${s.toFixed(2).padStart(6)} s   ${Math.round(KEYS / s)
        .toLocaleString("en-US")
        .padStart(8)} keys/s`;
    };
    console.log(
      `\nrevocation of ${KEYS.toLocaleString("en-US")} keys by selector (SQLite): until each receiver holds every key's event`,
    );
    console.log(row("SSF poll (1 SET per key)", pollDoneAt, polled));
    console.log(row("SSF push (1 SET per key)", pushed.doneAt(), pushed.received()));
    console.log(row("webhooks (baseline)", hooked.doneAt(), hooked.received()) + "   (up to 1,000 keys per delivery)");
  } finally {
    await pushed.close();
    await hooked.close();
    await server.close();
    await store.drop();
  }
}

await main();
