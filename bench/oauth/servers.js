// The servers the OAuth benchmark loads, each in its own child process (started by
// startServer, which forks this file) so that the load generator never shares an event loop
// with the server it measures:
//   - tessera: the authority on SQLite (fsync on, as shipped), a client with an API key as
//     its secret, a JWT access token and an API key to introspect;
//   - oidc-provider: node-oidc-provider 9 with its in-memory adapter (tokens never written to
//     disk) and opaque tokens;
//   - floor: bare node:http that reads the request body and answers fixed JSON: what one
//     Node.js process can answer on this machine with no work at all.
import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = fileURLToPath(import.meta.url);
// One load generator on loopback is one client address: the per-address and per-client limits
// would measure themselves, not the authority.
const NO_RATE_LIMITS = { rateLimitPerAddress: 0, rateLimitPerClient: 0 };
const GRANT_BODY = "grant_type=client_credentials&scope=orders%3Aread";

function listen(server) {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server.address().port)));
}

function basic(id, secret) {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`;
}

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
  const client = await running.authority.keys.issue({ principalId: principal.id, scopes: ["oauth:client"] }, system);
  const apiKey = await running.authority.keys.issue({ principalId: principal.id, scopes: ["orders:read"] }, system);
  return {
    info: {
      url: running.url,
      tokenPath: "/oauth/token",
      introspectionPath: "/oauth/introspect",
      authorization: basic(principal.id, client.secret),
      apiKey: apiKey.secret,
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
  // The issuer names the port, so take a free one first.
  const probe = createServer();
  const port = await listen(probe);
  await new Promise((resolve) => probe.close(resolve));
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
  const server = provider.listen(port, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  return {
    info: {
      url: issuer,
      tokenPath: "/token",
      introspectionPath: "/token/introspection",
      authorization: basic("bench-client", clientSecret),
    },
    async close() {
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function serveFloor() {
  const token = JSON.stringify({ access_token: "x".repeat(32), token_type: "Bearer", expires_in: 300 });
  const active = JSON.stringify({ active: true, scope: "orders:read", client_id: "bench-client" });
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const body = req.url === "/token" ? token : active;
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      res.end(body);
    });
  });
  const port = await listen(server);
  return {
    info: {
      url: `http://127.0.0.1:${port}`,
      tokenPath: "/token",
      introspectionPath: "/introspect",
      authorization: basic("bench-client", "unused"),
    },
    async close() {
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const SERVERS = { tessera: serveTessera, "oidc-provider": serveOidcProvider, floor: serveFloor };

/** Forks a child process serving `kind`; resolves with its info and `stop()`. */
export function startServer(kind) {
  // BENCH_CPU_PROF=<dir> writes a CPU profile of each server process there when it stops.
  const profile = process.env.BENCH_CPU_PROF;
  const child = fork(HERE, ["--serve", kind], {
    stdio: ["ignore", "ignore", "pipe", "ipc"],
    execArgv: profile ? ["--cpu-prof", `--cpu-prof-dir=${profile}`, `--cpu-prof-name=${kind}.cpuprofile`] : [],
  });
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
        kind,
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

export { GRANT_BODY };

if (process.argv[2] === "--serve") {
  const started = await SERVERS[process.argv[3]]();
  process.send?.({ ready: started.info });
  process.on("message", async (message) => {
    if (message === "stop") {
      await started.close();
      process.exit(0);
    }
  });
}
