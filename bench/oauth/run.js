// OAuth benchmarks over HTTP, Tessera beside node-oidc-provider (8.x, the mainstream
// open-source authorization server for Node) under the same load on the same machine:
//   - client_credentials grants per second (POST token endpoint, client_secret_basic);
//   - introspections per second of an access token (Tessera: a JWT access token, checked
//     against the revocation state; oidc-provider: its opaque token, in-memory adapter).
// Each server runs in its own child process (this file with --serve), so that the load
// generator (autocannon, in this process) never shares an event loop with the server
// measured. Loopback only, bounded in time (BENCH_DURATION seconds per run), cleans up.
import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";

// One load generator on loopback is one client address: the per-address and per-client limits
// would measure themselves, not the authority.
const NO_RATE_LIMITS = { rateLimitPerAddress: 0, rateLimitPerClient: 0 };

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const HERE = fileURLToPath(import.meta.url);

// ---------------------------------------------------------------- servers (child processes)

async function serveTessera() {
  const { loadConfig, startAuthority } = await import("../../packages/authority/dist/index.js");
  const { systemActor } = await import("../../packages/authority/dist/principals/bootstrap.js");
  const dir = mkdtempSync(join(tmpdir(), "tessera-bench-oauth-"));
  const running = await startAuthority(
    loadConfig(
      { TESSERA_MASTER_KEY: randomBytes(32).toString("base64") },
      { databaseUrl: join(dir, "bench.db"), port: 0, logLevel: "warn", ...NO_RATE_LIMITS },
    ),
    { logger: false },
  );
  const system = systemActor("bench");
  const principal = await running.authority.principals.create(
    { name: "bench-client", kind: "service", owner: "bench", allowedScopes: ["orders:read", "oauth:client"] },
    system,
  );
  const key = await running.authority.keys.issue({ principalId: principal.id, scopes: ["oauth:client"] }, system);
  return {
    info: {
      url: running.url,
      tokenPath: "/oauth/token",
      introspectionPath: "/oauth/introspect",
      clientId: principal.id,
      clientSecret: key.secret,
    },
    async close() {
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function serveOidcProvider() {
  const { default: Provider } = await import("oidc-provider");
  const clientSecret = randomBytes(32).toString("base64url");
  const port = await new Promise((resolve) => {
    import("node:net").then(({ createServer }) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const p = s.address().port;
        s.close(() => resolve(p));
      });
    });
  });
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: "bench-client",
        client_secret: clientSecret,
        grant_types: ["client_credentials"],
        redirect_uris: [],
        response_types: [],
        token_endpoint_auth_method: "client_secret_basic",
        scope: "orders:read",
      },
    ],
    scopes: ["orders:read"],
    features: {
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      devInteractions: { enabled: false },
    },
  });
  // The default adapter is oidc-provider's in-memory one; tokens are opaque.
  const server = provider.listen(port, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  return {
    info: {
      url: issuer,
      tokenPath: "/token",
      introspectionPath: "/token/introspection",
      clientId: "bench-client",
      clientSecret,
    },
    async close() {
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

if (process.argv[2] === "--serve") {
  const started = process.argv[3] === "tessera" ? await serveTessera() : await serveOidcProvider();
  process.send?.({ ready: started.info });
  process.on("message", async (message) => {
    if (message === "stop") {
      await started.close();
      process.exit(0);
    }
  });
} else {
  await main();
}

// ---------------------------------------------------------------- load (this process)

function startServer(kind) {
  const child = fork(HERE, ["--serve", kind], { stdio: ["ignore", "ignore", "pipe", "ipc"] });
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${kind} did not start: ${stderr}`)), 30_000);
    child.once("exit", (code) => reject(new Error(`${kind} exited with ${code}: ${stderr}`)));
    child.once("message", (message) => {
      clearTimeout(timer);
      resolve({
        ...message.ready,
        async stop() {
          child.send("stop");
          await new Promise((r) => {
            const kill = setTimeout(() => child.kill("SIGKILL"), 5_000);
            child.once("exit", () => {
              clearTimeout(kill);
              r();
            });
          });
        },
      });
    });
  });
}

function basic(id, secret) {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`;
}

async function post(server, path, body) {
  const res = await fetch(`${server.url}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: basic(server.clientId, server.clientSecret),
    },
    body,
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${path} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

async function load(server, path, body, check) {
  // A sanity check first: the request measured must succeed.
  check(await post(server, path, body));
  const result = await autocannon({
    url: `${server.url}${path}`,
    method: "POST",
    connections: CONNECTIONS,
    duration: DURATION,
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: basic(server.clientId, server.clientSecret),
    },
    body,
  });
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    errors: result.non2xx + result.errors + result.timeouts,
  };
}

async function measure(kind) {
  const server = await startServer(kind);
  try {
    const grantBody = "grant_type=client_credentials&scope=orders%3Aread";
    const grants = await load(server, server.tokenPath, grantBody, (r) => {
      if (typeof r.access_token !== "string") throw new Error(`${kind}: no access token`);
    });
    const { access_token: token } = await post(server, server.tokenPath, grantBody);
    const introspections = await load(server, server.introspectionPath, `token=${encodeURIComponent(token)}`, (r) => {
      if (r.active !== true) throw new Error(`${kind}: introspection of a fresh token is not active`);
    });
    return { grants, introspections, tokenLength: token.length };
  } finally {
    await server.stop();
  }
}

function row(name, r) {
  return `${name.padEnd(34)} ${r.rps.toFixed(0).padStart(8)} req/s   p99 ${String(r.p99).padStart(4)} ms   errors ${r.errors}`;
}

async function main() {
  const started = Date.now();
  console.log(
    `oauth bench: ${CONNECTIONS} connections, ${DURATION}s per run, loopback, each server in its own process`,
  );
  const tessera = await measure("tessera");
  const peer = await measure("oidc-provider");
  console.log(row("tessera client_credentials", tessera.grants));
  console.log(row("oidc-provider client_credentials", peer.grants));
  console.log(row("tessera introspection (JWT)", tessera.introspections));
  console.log(row("oidc-provider introspection", peer.introspections));
  const grantRatio = tessera.grants.rps / peer.grants.rps;
  const introspectionRatio = tessera.introspections.rps / peer.introspections.rps;
  console.log(`ratio client_credentials: ${grantRatio.toFixed(2)}x`);
  console.log(`ratio introspection:      ${introspectionRatio.toFixed(2)}x (target >= 3x)`);
  console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  const errors = [tessera.grants, tessera.introspections, peer.grants, peer.introspections].reduce(
    (n, r) => n + r.errors,
    0,
  );
  if (errors > 0) {
    console.error(`${errors} requests failed during the runs`);
    process.exit(1);
  }
}
