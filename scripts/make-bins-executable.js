// tsc writes files without the executable bit; npm links package bins before `prepare` builds
// them on a fresh install, so mark every workspace bin executable after each build.
import { chmodSync, existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { workspaces } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
for (const workspace of workspaces) {
  const manifest = JSON.parse(readFileSync(join(root, workspace, "package.json"), "utf8"));
  const bins = typeof manifest.bin === "string" ? [manifest.bin] : Object.values(manifest.bin ?? {});
  for (const bin of bins) {
    const path = join(root, workspace, bin);
    if (existsSync(path)) chmodSync(path, 0o755);
  }
}
