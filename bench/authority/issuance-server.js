// The authority in a process of its own, for bench/authority/run.js's issuance figure measured
// the way bench/oauth measures servers: the load generator then never shares an event loop
// with the server it measures. Started with the store's URL; tells its parent, over IPC, where
// it listens, the root key and a principal to issue keys for; stops on "stop".
import { loadConfig, startAuthority } from "../../packages/authority/dist/index.js";

const [databaseUrl] = process.argv.slice(2);
const running = await startAuthority(
  loadConfig({}, { databaseUrl, port: 0, logLevel: "warn", rateLimitPerAddress: 0, rateLimitPerClient: 0 }),
  { logger: false },
);
const system = { id: "system:bench", scopes: new Set(["keys:write", "principals:write"]) };
const principal = await running.authority.principals.create(
  { name: "bench", kind: "service", owner: "bench", allowedScopes: ["bench:read"] },
  system,
);
process.on("message", async (message) => {
  if (message !== "stop") return;
  await running.close();
  process.exit(0);
});
process.send({ url: running.url, root: running.bootstrap.rootKey.secret, principalId: principal.id });
