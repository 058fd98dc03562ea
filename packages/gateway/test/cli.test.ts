/**
 * The commands: `tessera-gateway` (its committed launcher and the built entry point), and
 * `tessera gateway` through the authority's CLI, which loads the gateway package lazily.
 */
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../authority/src/cli/program.js";
import { parseDuration, parseListen } from "../src/cli.js";
import { eventually, startTestAuthority, type TestAuthority } from "./authority.js";
import { freePort } from "./proxies.js";

const BIN = fileURLToPath(new URL("../bin/tessera-gateway.js", import.meta.url));
const BUILT = existsSync(fileURLToPath(new URL("../dist/main.js", import.meta.url)));

describe("tessera-gateway launcher", () => {
  it("says to build when dist/ is missing", () => {
    const dir = mkdtempSync(join(tmpdir(), "gateway-bin-"));
    mkdirSync(join(dir, "bin"));
    copyFileSync(BIN, join(dir, "bin", "tessera-gateway.js"));
    const run = spawnSync(process.execPath, [join(dir, "bin", "tessera-gateway.js"), "--help"], { encoding: "utf8" });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("run npm run build");
  });
});

describe("flags", () => {
  it("parses listen addresses and durations, and refuses bad ones", () => {
    expect(parseListen("127.0.0.1:7071")).toEqual({ host: "127.0.0.1", port: 7071 });
    expect(parseListen("[::1]:80")).toEqual({ host: "::1", port: 80 });
    expect(parseListen(":8080")).toEqual({ host: "0.0.0.0", port: 8080 });
    expect(() => parseListen("7071")).toThrow("--listen must be host:port");
    expect(parseDuration("500ms", "--staleness")).toBe(500);
    expect(parseDuration("5s", "--staleness")).toBe(5000);
    expect(parseDuration("1m", "--staleness")).toBe(60_000);
    expect(() => parseDuration("soon", "--staleness")).toThrow("--staleness must be a duration");
  });
});

describe.skipIf(!BUILT)("tessera gateway (built)", () => {
  let authority: TestAuthority;
  beforeAll(async () => {
    authority = await startTestAuthority();
  });
  afterAll(async () => {
    await authority?.close();
  });

  it("is a command of the tessera CLI, loaded lazily", async () => {
    const out: string[] = [];
    const code = await runCli(["gateway", "--help"], {
      out: (text) => void out.push(text),
      err: () => {},
      env: {},
      isTTY: false,
    });
    expect(code).toBe(0);
    expect(out.join("")).toContain("Usage: tessera gateway --url <authority>");
    const help: string[] = [];
    await runCli(["--help"], { out: (text) => void help.push(text), err: () => {}, env: {}, isTTY: false });
    expect(help.join("")).toMatch(/gateway\s+enforce credentials in front of a service/);
  });

  it("runs as tessera-gateway until SIGTERM, healthy once its replica is loaded", async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, "--url", authority.url, "--listen", `127.0.0.1:${port}`], {
      env: { ...process.env, TESSERA_FEED_KEY: authority.adminKey },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => (stderr += chunk));
    try {
      await eventually(
        () =>
          fetch(`http://127.0.0.1:${port}/healthz`).then(
            (r) => r.status === 200,
            () => false,
          ),
        20_000,
      );
      expect(stderr).toContain('"msg":"gateway listening"');
      expect(stderr).not.toContain(authority.adminKey);
    } finally {
      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    }
  });
});
