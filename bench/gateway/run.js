// Gateway benchmarks, loopback only, bounded (about a minute):
//   1. forward-auth decisions per second and p50/p99 (autocannon, BENCH_CONNECTIONS connections,
//      BENCH_DURATION seconds) against GET /auth with a valid key, beside a bare node:http
//      server answering 200 under the same load (the floor);
//   2. NGINX -> app directly vs NGINX -> auth_request -> gateway -> app, with the NGINX
//      configuration of docs/gateway.md: the latency the check adds, p50/p99 of sequential
//      requests timed one by one (interleaved, so both paths see the same machine);
//   3. revoke answer -> NGINX refuses: for BENCH_REVOCATIONS keys, the time from the authority's
//      answer to POST /v1/keys/{id}/revoke to the first 401 through NGINX (polled back to back),
//      beside the cache times peers document: Kong 5 s, Zuplo 60 s, Apigee 180 s.
// Every server runs in its own process (servers.js); NGINX runs as our own process on free
// ports with a temporary prefix. Parts 2 and 3 are skipped, visibly, without nginx.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";

const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const REVOCATIONS = Number(process.env.BENCH_REVOCATIONS ?? 100);
const SAMPLES = Number(process.env.BENCH_LATENCY_SAMPLES ?? 4000);
const SERVERS = fileURLToPath(new URL("servers.js", import.meta.url));
const DOC = fileURLToPath(new URL("../../docs/gateway.md", import.meta.url));

const fmt = (n, digits = 0) =>
  n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const row = (label, value, note = "") => console.log(`  ${label.padEnd(46)} ${value.padStart(16)}   ${note}`);
function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Starts `servers.js <role>` and resolves with the JSON line it prints. */
function start(role, args = [], env = {}) {
  const child = spawn(process.execPath, [SERVERS, role, ...args], {
    stdio: ["pipe", "pipe", "inherit"],
    env: { ...process.env, ...env },
  });
  return new Promise((resolve, reject) => {
    let buffer = "";
    child.stdout.on("data", (chunk) => {
      buffer += chunk;
      const newline = buffer.indexOf("\n");
      if (newline >= 0) resolve({ info: JSON.parse(buffer.slice(0, newline)), stop: () => stopChild(child) });
    });
    child.once("exit", (code) => reject(new Error(`${role} exited with ${code}`)));
  });
}

function stopChild(child) {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", resolve);
    child.stdin.end("stop\n");
    setTimeout(() => child.kill("SIGKILL"), 5000).unref();
  });
}

async function load(url, headers) {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION, headers });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
function get(url, headers) {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode));
    });
    req.on("error", reject);
    req.end();
  });
}

async function timed(url, headers) {
  const started = performance.now();
  const status = await get(url, headers);
  if (status !== 200) throw new Error(`${url} answered ${status}`);
  return performance.now() - started;
}

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** NGINX with the doc's snippet (auth port) plus a plain proxy to the same app (direct port). */
async function startNginx(gatewayUrl, appUrl) {
  const doc = readFileSync(DOC, "utf8");
  const snippet = /<!-- snippet: nginx -->\n```nginx\n([\s\S]*?)```/.exec(doc)[1];
  const [authPort, directPort] = [await freePort(), await freePort()];
  const app = appUrl.replace("http://", "");
  const dir = mkdtempSync(join(tmpdir(), "tessera-bench-nginx-"));
  mkdirSync(join(dir, "tmp"));
  const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((k) => `  ${k}_temp_path ${dir}/tmp/${k};`);
  const config = [
    process.getuid?.() === 0 ? "user root;" : "",
    "worker_processes 1;",
    `pid ${dir}/nginx.pid;`,
    `error_log ${dir}/error.log warn;`,
    "events { worker_connections 1024; }",
    "http {",
    "  access_log off;",
    ...temp,
    snippet
      .replaceAll("127.0.0.1:7071", gatewayUrl.replace("http://", ""))
      .replaceAll("127.0.0.1:8080", app)
      .replaceAll("127.0.0.1:8000", `127.0.0.1:${authPort}`),
    `  server { listen 127.0.0.1:${directPort}; location / { proxy_pass http://${app}; } }`,
    "}",
  ].join("\n");
  writeFileSync(join(dir, "nginx.conf"), config);
  const child = spawn(
    "nginx",
    ["-p", dir, "-c", join(dir, "nginx.conf"), "-e", join(dir, "error.log"), "-g", "daemon off;"],
    {
      stdio: "inherit",
    },
  );
  const deadline = Date.now() + 10_000;
  for (;;) {
    const up = await get(`http://127.0.0.1:${directPort}/`, {}).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error("nginx did not start");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    auth: `http://127.0.0.1:${authPort}`,
    direct: `http://127.0.0.1:${directPort}`,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGQUIT");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function forwardAuthThroughput(gateway, bare, benchKey) {
  const rounds = 3;
  console.log(`\nforward-auth decisions, ${CONNECTIONS} connections, ${DURATION} s a run, ${rounds} rounds alternated`);
  const auth = { authorization: `Bearer ${benchKey}` };
  await load(`${gateway}/auth?scope=orders:read`, auth); // warm-up (JIT, keep-alive)
  const floors = [];
  const decisions = [];
  // Alternated rounds, medians reported: the machine is shared and its speed drifts.
  for (let round = 0; round < rounds; round++) {
    floors.push(await load(`${bare}/`, auth));
    decisions.push(await load(`${gateway}/auth?scope=orders:read`, auth));
  }
  const median = (runs) => runs.map((run) => run.rps).sort((a, b) => a - b)[Math.floor(runs.length / 2)];
  const show = (runs) => runs.map((run) => fmt(run.rps)).join(", ");
  const p = (runs, key) => Math.max(...runs.map((run) => run[key]));
  row(
    "bare node:http answering 200 (the floor)",
    `${fmt(median(floors))} /s`,
    `runs ${show(floors)}; p50 <= ${p(floors, "p50")} ms, p99 <= ${p(floors, "p99")} ms`,
  );
  row(
    "gateway GET /auth, valid key, scope checked",
    `${fmt(median(decisions))} /s`,
    `runs ${show(decisions)}; p50 <= ${p(decisions, "p50")} ms, p99 <= ${p(decisions, "p99")} ms`,
  );
  row("gateway / floor (medians)", `${fmt((100 * median(decisions)) / median(floors), 1)} %`);
  const inside = await decisionHistogram(gateway);
  row("decision inside the gateway (its histogram)", `p50 <= ${inside.p50} µs`, `p99 <= ${inside.p99} µs`);
}

/** Bucket bounds holding the 50th and 99th percentile of `tessera_gateway_decision_seconds`. */
async function decisionHistogram(gateway) {
  const text = await (await fetch(`${gateway}/metrics`)).text();
  const buckets = [...text.matchAll(/^tessera_gateway_decision_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm)].map((m) => ({
    le: Number(m[1]),
    count: Number(m[2]),
  }));
  const total = buckets.at(-1).count;
  const bound = (p) => buckets.find((b) => b.count >= (p / 100) * total).le * 1e6;
  return { p50: fmt(bound(50)), p99: fmt(bound(99)) };
}

async function addedLatency(nginx, benchKey) {
  console.log(`\nNGINX -> app vs NGINX -> auth_request -> gateway -> app, ${fmt(SAMPLES)} sequential requests each`);
  const headers = { authorization: `Bearer ${benchKey}` };
  for (let i = 0; i < 500; i++) {
    await timed(`${nginx.direct}/orders/1`, headers);
    await timed(`${nginx.auth}/orders/1`, headers);
  }
  const direct = [];
  const checked = [];
  for (let i = 0; i < SAMPLES; i++) {
    direct.push(await timed(`${nginx.direct}/orders/1`, headers));
    checked.push(await timed(`${nginx.auth}/orders/1`, headers));
  }
  const [d50, d99, c50, c99] = [
    percentile(direct, 50),
    percentile(direct, 99),
    percentile(checked, 50),
    percentile(checked, 99),
  ];
  row("NGINX -> app", `p50 ${fmt(d50, 3)} ms`, `p99 ${fmt(d99, 3)} ms`);
  row("NGINX -> auth_request -> gateway -> app", `p50 ${fmt(c50, 3)} ms`, `p99 ${fmt(c99, 3)} ms`);
  row("added by the check", `p50 ${fmt(c50 - d50, 3)} ms`, `p99 ${fmt(c99 - d99, 3)} ms   target p99 < 1 ms`);
}

async function revokeToRefusal(nginx, authority) {
  console.log(`\nrevoke answer -> NGINX refuses, ${authority.keys.length} keys revoked one at a time`);
  const delays = [];
  for (const key of authority.keys) {
    const headers = { authorization: `Bearer ${key.secret}` };
    if ((await get(`${nginx.auth}/orders/1`, headers)) !== 200) throw new Error("a key to revoke was refused before");
    const response = await fetch(`${authority.url}/v1/keys/${key.id}/revoke`, {
      method: "POST",
      headers: { authorization: `Bearer ${authority.adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({ reason: "bench: gateway propagation" }),
    });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`revoke answered ${response.status}`);
    const answered = performance.now();
    let status = 200;
    while (status === 200 && performance.now() - answered < 10_000)
      status = await get(`${nginx.auth}/orders/1`, headers);
    if (status !== 401) throw new Error(`after revoking, NGINX answered ${status}`);
    delays.push(performance.now() - answered);
  }
  row("revoke answer -> NGINX refuses, p50", `${fmt(percentile(delays, 50), 2)} ms`);
  row("revoke answer -> NGINX refuses, p99", `${fmt(percentile(delays, 99), 2)} ms`, "target p99 < 20 ms");
  row("revoke answer -> NGINX refuses, max", `${fmt(Math.max(...delays), 2)} ms`);
  row("Kong (credential cache poll, default)", "5,000 ms", "documented default, not measured");
  row("Zuplo (API key cache)", "60,000 ms", "documented, not measured");
  row("Apigee (API key cache)", "180,000 ms", "documented, not measured");
}

const hasNginx = spawnSync("sh", ["-c", "command -v nginx"], { stdio: "ignore" }).status === 0;
const authority = await start("authority", [String(hasNginx ? REVOCATIONS : 0)]);
const gateway = await start("gateway", [authority.info.url], { TESSERA_FEED_KEY: authority.info.adminKey });
const bare = await start("bare");
const app = await start("app");
let nginx = null;
try {
  await forwardAuthThroughput(gateway.info.url, bare.info.url, authority.info.benchKey);
  if (!hasNginx) {
    console.log("\nnginx is not installed (apt-get install nginx-light): NGINX figures SKIPPED");
  } else {
    nginx = await startNginx(gateway.info.url, app.info.url);
    await addedLatency(nginx, authority.info.benchKey);
    await revokeToRefusal(nginx, authority.info);
  }
} finally {
  agent.destroy();
  await nginx?.stop();
  await Promise.all([gateway.stop(), bare.stop(), app.stop()]);
  await authority.stop();
}
