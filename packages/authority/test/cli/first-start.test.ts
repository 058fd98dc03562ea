/**
 * A first start run for real (issue 11 item 13): the root key created in a container is not left
 * only in the log stream, the public development master key is refused off loopback, and behind
 * a proxy the client address comes from X-Forwarded-For only when TESSERA_TRUST_PROXY says so.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { showRootKey } from "../../src/cli/commands/serve.run.js";
import type { CommandContext } from "../../src/cli/context.js";
import { runCli } from "../../src/cli/program.js";
import { loadConfig, type TesseraConfig } from "../../src/config.js";
import { buildApp } from "../../src/http/app.js";
import { isLoopbackHost, startAuthority } from "../../src/server.js";
import { capture } from "../cli-capture.js";
import { createHarness } from "../harness.js";

const MASTER_KEY = Buffer.alloc(32, 7).toString("base64");

function context(io: ReturnType<typeof capture>["io"]): CommandContext {
  return { io, globals: () => ({ url: "http://127.0.0.1:1", json: false }), client: () => ({}) as never };
}

describe("the root key of a first start when stdout is not a terminal", () => {
  it("is written once to a 0600 file beside the database, and only the path is printed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tessera-rootkey-"));
    const config = loadConfig({}, { databaseUrl: join(dir, "tessera.db"), port: 0 });
    const running = await startAuthority(config, { logger: false });
    try {
      const c = capture({});
      showRootKey(context(c.io), config, running);
      const secret = running.bootstrap.rootKey?.secret ?? "";
      expect(secret).toMatch(/^tsk_/);
      const path = join(dir, "root-admin-key.txt");
      expect(c.out()).toContain(path);
      expect(c.out() + c.err()).not.toContain(secret);
      expect(readFileSync(path, "utf8")).toContain(secret);
      expect(statSync(path).mode & 0o777).toBe(0o600);

      // A second first start (another database, same directory) never replaces that file.
      showRootKey(context(capture({}).io), config, running);
      expect(readdirSync(dir).filter((f) => f.endsWith("root-admin-key.txt"))).toHaveLength(2);
    } finally {
      await running.close();
    }
  });

  it("goes where TESSERA_ROOT_KEY_FILE says; a terminal still gets the banner", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tessera-rootkey-"));
    const file = join(dir, "secrets", "root.txt");
    const config = loadConfig({ TESSERA_ROOT_KEY_FILE: file }, { databaseUrl: ":memory:", port: 0 });
    const running = await startAuthority(config, { logger: false });
    try {
      const c = capture({});
      showRootKey(context(c.io), config, running);
      expect(c.out()).toContain(file);
      const terminal = capture({});
      showRootKey(context({ ...terminal.io, isTTY: true }), config, running);
      expect(terminal.out()).toContain(running.bootstrap.rootKey?.secret);
    } finally {
      await running.close();
    }
  });
});

describe("the development master key", () => {
  it("is refused when listening on a non-loopback address, before anything is created", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tessera-devkey-"));
    const config = loadConfig({}, { databaseUrl: join(dir, "tessera.db"), host: "0.0.0.0", port: 0 });
    await expect(startAuthority(config, { logger: false })).rejects.toMatchObject({
      code: "validation_failed",
      message: expect.stringMatching(/0\.0\.0\.0.*development master key.*TESSERA_MASTER_KEY.*TESSERA_MASTER_KEY_FILE/),
    });
    expect(readdirSync(dir)).toEqual([]);
  });

  it("is fine on loopback, and a configured key may listen anywhere", async () => {
    expect(isLoopbackHost("127.0.0.1")).toBe(true);
    expect(isLoopbackHost("::1")).toBe(true);
    expect(isLoopbackHost("localhost")).toBe(true);
    expect(isLoopbackHost("0.0.0.0")).toBe(false);
    expect(isLoopbackHost("10.1.2.3")).toBe(false);
    const config = loadConfig(
      { TESSERA_MASTER_KEY: MASTER_KEY },
      { databaseUrl: ":memory:", host: "0.0.0.0", port: 0 },
    );
    const running = await startAuthority(config, { logger: false });
    await running.close();
  });
});

describe("TESSERA_TRUST_PROXY", () => {
  async function clientAddress(overrides: Partial<TesseraConfig>): Promise<string | undefined> {
    const h = await createHarness("sqlite", overrides);
    const lines: string[] = [];
    const { app } = await buildApp(h.authority, {
      logger: { level: "info", stream: { write: (line: string) => void lines.push(line) } },
    });
    try {
      await app.inject({
        method: "GET",
        url: "/v1/keys",
        remoteAddress: "127.0.0.1",
        headers: { "x-forwarded-for": "203.0.113.9" },
      });
      const incoming = lines.map((l) => JSON.parse(l)).find((l) => l.req);
      return incoming?.req.remoteAddress;
    } finally {
      await app.close();
      await h.close();
    }
  }

  it("is off by default: X-Forwarded-For is anyone's to write", async () => {
    expect(await clientAddress({})).toBe("127.0.0.1");
  });

  it("takes the client address from X-Forwarded-For when the proxy is trusted", async () => {
    expect(await clientAddress({ trustProxy: "127.0.0.1" })).toBe("203.0.113.9");
  });
});

describe("tessera serve's start-up", () => {
  it("warns about a misspelt TESSERA_* variable with the nearest known name", async () => {
    const c = capture({ TESSERA_PROT: "7071", TESSERA_DATABASE_URL: "mysql://db/tessera" });
    expect(await runCli(["serve"], c.io)).toBe(1);
    expect(c.err()).toContain(
      "warning: TESSERA_PROT is not a Tessera setting and is ignored: did you mean TESSERA_PORT?",
    );
  });
});
