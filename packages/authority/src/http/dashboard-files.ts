/**
 * The operator dashboard's built files, read once into memory: a few hashed assets and one
 * index.html, small enough that serving them from memory is simpler and faster than from disk.
 * The authority does not import the dashboard's code; it only serves the files its build wrote.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, extname, join, relative, sep } from "node:path";
import { gzipSync } from "node:zlib";

export interface DashboardFile {
  body: Buffer;
  gzipped: Buffer | null;
  type: string;
  /** Vite names built assets by their content's hash: they may be cached for good. */
  immutable: boolean;
}

export type DashboardFiles = { ok: true; files: Map<string, DashboardFile> } | { ok: false; reason: string };

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff2": "font/woff2",
  ".json": "application/json",
  ".txt": "text/plain; charset=utf-8",
};

/** Where the dashboard's build is: the setting, else the workspace package's dist/. */
export function locateDashboard(setting: string): string | null {
  if (setting === "off") return null;
  if (setting !== "") return setting;
  try {
    const manifest = createRequire(import.meta.url).resolve("@tessera/dashboard/package.json");
    return join(dirname(manifest), "dist");
  } catch {
    return null;
  }
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

export function loadDashboard(dir: string | null): DashboardFiles {
  if (dir === null) return { ok: false, reason: "the dashboard is turned off (TESSERA_DASHBOARD_DIR=off)" };
  if (!existsSync(join(dir, "index.html"))) {
    return {
      ok: false,
      reason: `the dashboard is not built (no ${join(dir, "index.html")}): run \`npm run build\` in the repository`,
    };
  }
  const files = new Map<string, DashboardFile>();
  for (const path of walk(dir)) {
    const body = readFileSync(path);
    const type = TYPES[extname(path)] ?? "application/octet-stream";
    const compressible = type.startsWith("text/") || type.includes("svg") || type.includes("json");
    const name = relative(dir, path).split(sep).join("/");
    files.set(name, {
      body,
      gzipped: compressible && body.length > 1024 ? gzipSync(body) : null,
      type,
      immutable: name.startsWith("assets/"),
    });
  }
  return { ok: true, files };
}
