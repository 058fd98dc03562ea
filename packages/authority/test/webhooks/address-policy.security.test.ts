/**
 * Webhook URLs cannot make the authority call internal addresses (cloud metadata, loopback
 * admin ports, the private network): refused when an endpoint is registered, and again after
 * DNS resolution at delivery, connecting to the address that was checked. Operators allow
 * internal receivers explicitly (TESSERA_WEBHOOK_ALLOW_HOSTS).
 */
import type { LookupAddress } from "node:dns";
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { parseAllowList } from "../../src/domain/address-policy.js";
import { createSender } from "../../src/webhooks/send.js";
import { validateWebhookUrl } from "../../src/webhooks/url.js";
import { createHttpHarness, type HttpHarness } from "../http-harness.js";
import { describeEachStore } from "../stores.js";

const INTERNAL = [
  "https://169.254.169.254/latest/meta-data/",
  "https://127.0.0.1/x",
  "https://127.8.9.10/x",
  "https://10.1.2.3/x",
  "https://172.16.5.5/x",
  "https://192.168.1.1/x",
  "https://100.64.0.1/x",
  "https://0.0.0.0/x",
  "https://[::1]/x",
  "https://[::]/x",
  "https://[fe80::1]/x",
  "https://[fd00::1]/x",
  "https://[::ffff:127.0.0.1]/x",
  "https://[::ffff:a9fe:a9fe]/x",
  "https://2130706433/x",
  "https://0x7f.1/x",
  "https://localhost/x",
  "https://admin.localhost/x",
  "https://224.0.0.1/x",
];

describe("webhook address policy", () => {
  it("refuses internal hosts by default, in every spelling", () => {
    for (const url of INTERNAL) {
      expect(() => validateWebhookUrl(url), url).toThrow(expect.objectContaining({ code: "webhook_url_forbidden" }));
    }
    expect(validateWebhookUrl("https://hooks.example.com/tessera")).toBe("https://hooks.example.com/tessera");
    expect(validateWebhookUrl("https://8.8.8.8/x")).toBe("https://8.8.8.8/x");
  });

  it("allows what the operator lists, and plain http only to those hosts", () => {
    const allow = parseAllowList(["127.0.0.1", "10.0.0.0/8", "hooks.internal"]);
    expect(validateWebhookUrl("http://127.0.0.1:9000/x", allow)).toBe("http://127.0.0.1:9000/x");
    expect(validateWebhookUrl("https://10.20.30.40/x", allow)).toBe("https://10.20.30.40/x");
    expect(validateWebhookUrl("http://hooks.internal/x", allow)).toBe("http://hooks.internal/x");
    expect(() => validateWebhookUrl("https://192.168.1.1/x", allow)).toThrow(
      expect.objectContaining({ code: "webhook_url_forbidden" }),
    );
    expect(() => validateWebhookUrl("http://hooks.example.com/x", allow)).toThrow(
      expect.objectContaining({ code: "validation_failed" }),
    );
  });

  it("refuses a bad allow list at start-up, naming the entry", () => {
    expect(() => loadConfig({ TESSERA_WEBHOOK_ALLOW_HOSTS: "10.0.0.0/99" })).toThrow(/10\.0\.0\.0\/99/);
    expect(() => loadConfig({ TESSERA_WEBHOOK_ALLOW_HOSTS: "not a host" })).toThrow(/not a host/);
    expect(loadConfig({ TESSERA_WEBHOOK_ALLOW_HOSTS: "127.0.0.1, hooks.internal" }).webhookAllowHosts).toEqual([
      "127.0.0.1",
      "hooks.internal",
    ]);
  });
});

describe("delivery checks the resolved address", () => {
  let receiver: Server;
  let port: number;
  let received = 0;
  beforeAll(async () => {
    receiver = createServer((request, response) => {
      received++;
      request.resume();
      response.end("ok");
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    port = (receiver.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => receiver.close(resolve));
  });

  /** A resolver that answers `address` for every name (DNS rebinding, without leaving the machine). */
  const resolvingTo = (address: string) =>
    ((_host: string, _options: unknown, callback: (e: null, a: LookupAddress[]) => void) =>
      callback(null, [
        { address, family: address.includes(":") ? 6 : 4 },
      ])) as unknown as typeof import("node:dns").lookup;

  it("refuses a name that now resolves to an internal address, and sends nothing", async () => {
    const before = received;
    for (const address of ["169.254.169.254", "127.0.0.1", "::1", "10.0.0.7"]) {
      const send = createSender(parseAllowList([]), resolvingTo(address));
      const outcome = await send(`http://hooks.example.com:${port}/x`, {}, "{}", 2000);
      expect(outcome.statusCode, address).toBeNull();
      expect(outcome.error).toContain(`resolves to ${address}`);
    }
    const literal = await createSender(parseAllowList([]))(`http://127.0.0.1:${port}/x`, {}, "{}", 2000);
    expect(literal.error).toContain("refused");
    expect(received).toBe(before);
  });

  it("delivers to an allowed internal host, at the address that was checked", async () => {
    const send = createSender(parseAllowList(["hooks.internal"]), resolvingTo("127.0.0.1"));
    const outcome = await send(`http://hooks.internal:${port}/x`, { "content-type": "application/json" }, "{}", 2000);
    expect(outcome).toMatchObject({ statusCode: 200, error: null });
  });
});

describeEachStore("registering webhooks over HTTP", (kind) => {
  let h: HttpHarness;
  beforeAll(async () => {
    h = await createHttpHarness(kind, { webhookAllowHosts: [] });
  });
  afterAll(async () => {
    await h.close();
  });

  it("answers 400 webhook_url_forbidden for internal hosts and registers nothing", async () => {
    for (const url of ["https://169.254.169.254/", "http://127.0.0.1:9000/x", "https://[::1]/x"]) {
      const response = await h.call("POST", "/v1/webhooks", { body: { url, events: ["key.revoked"] } });
      expect(response.statusCode, url).toBe(400);
      expect(response.json().error.code).toBe("webhook_url_forbidden");
    }
    expect((await h.call("GET", "/v1/webhooks")).json().items).toHaveLength(0);
  });
});
