#!/usr/bin/env node
// The `tessera` command. npm links a package's bins when it installs, before `prepare` has
// compiled dist/, so the bin is this committed launcher (it exists from the first install on)
// and it loads the build; in a checkout that has not been built, it says what to do.
import { existsSync } from "node:fs";

const main = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(main)) {
  process.stderr.write("tessera: the authority is not built yet: run npm run build (in the repository root)\n");
  process.exit(1);
}
await import(main.href);
