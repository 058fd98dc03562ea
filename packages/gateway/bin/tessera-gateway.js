#!/usr/bin/env node
// The `tessera-gateway` command. The gateway is written in TypeScript and compiled to dist/;
// in a fresh checkout that has not been built yet, say what to do instead of a stack trace.
import { existsSync } from "node:fs";

const main = new URL("../dist/main.js", import.meta.url);
if (!existsSync(main)) {
  process.stderr.write("tessera-gateway: the gateway is not built yet: run npm run build (in the repository root)\n");
  process.exit(1);
}
await import(main.href);
