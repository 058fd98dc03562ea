/**
 * One resolution of the authority's URL for every command: --url, TESSERA_URL, else where
 * `tessera serve` listens with the same TESSERA_HOST / TESSERA_PORT. A refusal names the URL
 * that refused (the key may have gone to another authority than the one meant).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveAuthorityUrl } from "../../src/cli/context.js";
import { runCli } from "../../src/cli/program.js";
import { loadConfig } from "../../src/config.js";
import { type RunningAuthority, startAuthority } from "../../src/server.js";
import { capture } from "../cli-capture.js";
import { createTestStore, type TestStore } from "../stores.js";

describe("resolveAuthorityUrl", () => {
  it("takes --url, then TESSERA_URL, then TESSERA_HOST and TESSERA_PORT", () => {
    expect(resolveAuthorityUrl({}, undefined)).toBe("http://127.0.0.1:7070");
    expect(resolveAuthorityUrl({ TESSERA_PORT: "7171" })).toBe("http://127.0.0.1:7171");
    expect(resolveAuthorityUrl({ TESSERA_PORT: "7171", TESSERA_HOST: "0.0.0.0" })).toBe("http://127.0.0.1:7171");
    expect(resolveAuthorityUrl({ TESSERA_PORT: "7171", TESSERA_HOST: "::1" })).toBe("http://[::1]:7171");
    expect(resolveAuthorityUrl({ TESSERA_PORT: "7171", TESSERA_URL: "https://auth.example/" })).toBe(
      "https://auth.example",
    );
    expect(resolveAuthorityUrl({ TESSERA_URL: "https://a.example" }, "http://b.example")).toBe("http://b.example");
  });
});

describe("the CLI on a non-default port", () => {
  let store: TestStore;
  let server: RunningAuthority;
  let port: string;
  beforeAll(async () => {
    store = await createTestStore("sqlite");
    server = await startAuthority(loadConfig({}, { databaseUrl: store.url, port: 0 }), { logger: false });
    port = new URL(server.url).port;
  });
  afterAll(async () => {
    await server.close();
    await store.drop();
  });

  it("follows TESSERA_PORT, and names the URL when the key is refused", async () => {
    const ok = capture({ TESSERA_PORT: port, TESSERA_ADMIN_KEY: server.bootstrap.rootKey?.secret });
    expect(await runCli(["principals", "list"], ok.io), ok.err()).toBe(0);
    const refused = capture({ TESSERA_PORT: port, TESSERA_ADMIN_KEY: `tsk_${"A".repeat(32)}${"0".repeat(6)}` });
    expect(await runCli(["principals", "list"], refused.io)).not.toBe(0);
    expect(refused.err()).toContain(`asked http://127.0.0.1:${port}`);
  });
});
