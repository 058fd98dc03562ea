// The processes of the gateway benchmark, one per role so that no two share an event loop with
// the load generator: `node servers.js <role>` prints one JSON line with its address, then
// serves until it receives "stop" on stdin or its parent exits.
//   authority: a real authority on a fresh SQLite file, with a feed key, a bench key and keys
//              to revoke;
//   gateway:   the gateway (forward-auth) replicating from it;
//   bare:      node:http answering 200 to everything (the floor);
//   app:       the upstream behind NGINX, answering a small JSON body.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("../../packages/", import.meta.url);

async function authority(revocable) {
  const { ADMIN_SCOPES, loadConfig, startAuthority } = await import(new URL("authority/dist/index.js", root).href);
  const dir = mkdtempSync(join(tmpdir(), "tessera-bench-gateway-"));
  const running = await startAuthority(
    loadConfig({}, { databaseUrl: join(dir, "bench.db"), port: 0, logLevel: "warn" }),
    { logger: false },
  );
  const system = { id: "system:bench", scopes: new Set(ADMIN_SCOPES) };
  const issue = async (name, scopes) => {
    const principal = await running.authority.principals.create(
      { name, kind: "service", owner: "bench", allowedScopes: scopes },
      system,
    );
    const issued = await running.authority.keys.issue({ principalId: principal.id, scopes }, system);
    return { id: issued.key.id, secret: issued.secret };
  };
  const admin = await issue("bench-admin", [...ADMIN_SCOPES]);
  const bench = await issue("bench-client", ["orders:read"]);
  const keys = [];
  for (let i = 0; i < revocable; i++) keys.push(await issue(`bench-revocable-${i}`, ["orders:read"]));
  return {
    info: { url: running.url, adminKey: admin.secret, benchKey: bench.secret, keys },
    async close() {
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function gateway(url, feedKey) {
  const { createGateway } = await import(new URL("gateway/dist/index.js", root).href);
  const running = await createGateway({ url, credential: feedKey, trustProxy: ["loopback"], name: "bench-gateway" });
  await running.verifier.ready(60_000);
  return { info: { url: running.url }, close: () => running.close() };
}

async function plain(body, headers) {
  const server = createServer((_req, res) => {
    res.writeHead(200, headers);
    res.end(body);
  });
  server.keepAliveTimeout = 65_000;
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    info: { url: `http://127.0.0.1:${server.address().port}` },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

const [role, ...args] = process.argv.slice(2);
const started =
  role === "authority"
    ? await authority(Number(args[0] ?? 100))
    : role === "gateway"
      ? await gateway(args[0], process.env.TESSERA_FEED_KEY)
      : role === "bare"
        ? await plain("", { "content-length": "0" })
        : await plain('{"ok":true}', { "content-type": "application/json" });
process.stdout.write(`${JSON.stringify(started.info)}\n`);
const stop = async () => {
  await started.close();
  process.exit(0);
};
process.stdin.on("data", (data) => String(data).includes("stop") && stop());
process.stdin.on("end", stop);
