// A child process holding one verifier: prints time to ready and memory once its replica holds
// every active key of the authority at argv[2]. Run with --expose-gc.
import { createVerifier } from "../../packages/verifier/dist/index.js";

const [url, credential] = process.argv.slice(2);
globalThis.gc?.();
const before = process.memoryUsage();
const started = performance.now();
const verifier = createVerifier({ url, credential, name: "memory", staleness: "30s", usage: false });
await verifier.ready(120_000);
const readyMs = performance.now() - started;
globalThis.gc?.();
const after = process.memoryUsage();
process.send({
  readyMs,
  keys: verifier.status().keys,
  rssDelta: after.rss - before.rss,
  rss: after.rss,
  heapUsed: after.heapUsed,
});
await verifier.close();
process.exit(0);
