/**
 * Entry point of the `tessera-gateway` bin (loaded by bin/tessera-gateway.js).
 * @module
 */
import { runGatewayCli } from "./cli.js";

process.exitCode = await runGatewayCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
});
