// OAuth benchmarks over HTTP: Tessera beside node-oidc-provider 9 (the mainstream open-source
// authorization server for Node, tokens kept in memory) and beside a bare node:http floor
// answering fixed JSON, under the same load, in interleaved rounds on the same machine:
//   - client_credentials grants per second (client_secret_basic); every Tessera grant is
//     durable (fsync on SQLite) and audited before its answer;
//   - introspections per second of a JWT access token (oidc-provider: its opaque token);
//   - introspections per second of an API key (Tessera only; beside the same peer and floor).
// Each server runs in its own child process (servers.js) so that autocannon, in this process,
// never shares an event loop with the server it measures. Each round measures every server
// once per workload, in a rotating order; the figures are the median and range over rounds,
// and the ratios are taken within each round (so a busy moment moves both sides of a ratio).
// Loopback only, bounded (BENCH_ROUNDS x BENCH_DURATION seconds per workload and server).
import { loadavg } from "node:os";
import autocannon from "autocannon";
import { GRANT_BODY, startServer } from "./servers.js";

const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
// BENCH_OAUTH_ONLY=grants|access|key (comma-separated) measures only those workloads.
const ONLY = process.env.BENCH_OAUTH_ONLY?.split(",");

async function post(server, path, body) {
  const res = await fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", authorization: server.authorization },
    body,
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${server.kind} ${path} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

async function load(server, path, body) {
  const result = await autocannon({
    url: `${server.url}${path}`,
    method: "POST",
    connections: CONNECTIONS,
    duration: DURATION,
    headers: { "content-type": "application/x-www-form-urlencoded", authorization: server.authorization },
    body,
  });
  const errors = result.non2xx + result.errors + result.timeouts;
  if (errors > 0) throw new Error(`${server.kind} ${path}: ${errors} of ${result.requests.total} requests failed`);
  return result.requests.average;
}

/** The request bodies each server is measured with, after checking each answers as it should. */
async function workloads(server) {
  const grant = await post(server, server.tokenPath, GRANT_BODY);
  if (typeof grant.access_token !== "string") throw new Error(`${server.kind}: no access token`);
  const introspect = async (token) => {
    const body = `token=${encodeURIComponent(token)}`;
    const answer = await post(server, server.introspectionPath, body);
    if (answer.active !== true) throw new Error(`${server.kind}: a fresh token introspects inactive`);
    return { path: server.introspectionPath, body };
  };
  const access = await introspect(grant.access_token);
  return {
    grants: { path: server.tokenPath, body: GRANT_BODY },
    "introspection (access token)": access,
    // The peer has no API keys: its access-token introspection stands beside ours.
    "introspection (API key)": server.apiKey ? await introspect(server.apiKey) : access,
  };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const range = (values) => `${Math.min(...values).toFixed(0)}-${Math.max(...values).toFixed(0)}`;
const ratioRange = (values) => `${Math.min(...values).toFixed(2)}-${Math.max(...values).toFixed(2)}`;

const TARGETS = {
  grants: { peer: 1.5 },
  "introspection (access token)": { peer: 3, floor: 0.6 },
  "introspection (API key)": { peer: 3, floor: 0.6 },
};

function report(results) {
  console.log(
    `\n${"figure".padEnd(30)} ${"tessera req/s".padStart(20)} ${"oidc-provider 9".padStart(20)} ${"node:http floor".padStart(20)}` +
      `   ${"vs peer (target)".padStart(22)}   ${"of floor (target)".padStart(22)}`,
  );
  for (const [figure, rounds] of Object.entries(results)) {
    const column = (kind) => {
      const values = rounds.map((r) => r[kind]);
      return `${median(values).toFixed(0)} (${range(values)})`.padStart(20);
    };
    const ratios = (kind) => rounds.map((r) => r.tessera / r[kind]);
    const target = TARGETS[figure];
    const vsPeer = `${median(ratios("oidc-provider")).toFixed(2)}x ${ratioRange(ratios("oidc-provider"))} (>=${target.peer}x)`;
    const ofFloor = `${median(ratios("floor")).toFixed(2)} ${ratioRange(ratios("floor"))}${target.floor ? ` (>=${target.floor})` : ""}`;
    console.log(
      `${figure.padEnd(30)} ${column("tessera")} ${column("oidc-provider")} ${column("floor")}   ${vsPeer.padStart(22)}   ${ofFloor.padStart(22)}`,
    );
  }
}

async function main() {
  const started = Date.now();
  console.log(
    `oauth bench: ${CONNECTIONS} connections, ${DURATION} s per run, ${ROUNDS} interleaved rounds, loopback, ` +
      `each server in its own process; load average ${loadavg()[0].toFixed(1)}`,
  );
  const kinds = ["tessera", "oidc-provider", "floor"];
  const servers = await Promise.all(kinds.map((kind) => startServer(kind)));
  try {
    const loads = await Promise.all(servers.map(workloads));
    const figures = Object.keys(loads[0]).filter((f) => !ONLY || ONLY.some((word) => f.includes(word)));
    const results = Object.fromEntries(figures.map((figure) => [figure, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const figure of Object.keys(results)) {
        const measured = {};
        // A rotating order: no server always runs first (on a cold machine) or last.
        for (let i = 0; i < servers.length; i++) {
          const at = (i + round) % servers.length;
          const { path, body } = loads[at][figure];
          measured[kinds[at]] = await load(servers[at], path, body);
        }
        results[figure].push(measured);
        console.log(
          `round ${round + 1} ${figure}: ${kinds.map((k) => `${k} ${measured[k].toFixed(0)}`).join(", ")} (load ${loadavg()[0].toFixed(1)})`,
        );
      }
    }
    report(results);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
  console.log(`\ndone in ${((Date.now() - started) / 1000).toFixed(1)} s; load average ${loadavg()[0].toFixed(1)}`);
}

await main();
