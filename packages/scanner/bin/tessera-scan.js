#!/usr/bin/env node
// The `tessera-scan` command: a committed launcher for the compiled scanner (see
// packages/authority/bin/tessera.js for why bins are launchers and not dist/ files).
import { existsSync } from "node:fs";

const main = new URL("../dist/bin.js", import.meta.url);
if (!existsSync(main)) {
  process.stderr.write("tessera-scan: the scanner is not built yet: run npm run build (in the repository root)\n");
  process.exit(1);
}
await import(main.href);
