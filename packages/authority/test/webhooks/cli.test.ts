/**
 * `tessera webhooks` against a real authority listening on loopback, whose dispatcher runs in
 * the background as `tessera serve` runs it: add (secret printed once), test, the delivery log,
 * rotate, remove, and a refused URL.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import type { CliIO } from "../../src/cli/io.js";
import { runCli } from "../../src/cli/program.js";
import { loadConfig } from "../../src/config.js";
import { type RunningAuthority, startAuthority } from "../../src/server.js";
import { verifyWebhookSignature } from "../../src/webhooks/verify-signature.js";
import { createTestStore, describeEachStore, type TestStore } from "../stores.js";
import { type Receiver, startReceiver } from "./receiver.js";

describeEachStore("tessera webhooks", (kind) => {
  let store: TestStore;
  let server: RunningAuthority;
  let receiver: Receiver;
  let env: Record<string, string | undefined>;
  const tessera = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIO = { out: (t) => void out.push(t), err: (t) => void err.push(t), env, isTTY: false };
    const code = await runCli(argv, io);
    return { code, out: out.join(""), err: err.join("") };
  };
  /** Waits (bounded) for the background dispatcher to bring `n` requests to the receiver. */
  const received = async (n: number) => {
    for (let i = 0; i < 1000 && receiver.received.length < n; i++) await new Promise((r) => setTimeout(r, 10));
    return receiver.received;
  };

  beforeAll(async () => {
    store = await createTestStore(kind);
    const config = loadConfig(
      {},
      { databaseUrl: store.url, port: 0, webhookPollIntervalMs: 20, webhookAllowHosts: ["127.0.0.1"] },
    );
    server = await startAuthority(config, { logger: false });
    receiver = await startReceiver();
    env = { TESSERA_URL: server.url, TESSERA_ADMIN_KEY: server.bootstrap.rootKey?.secret };
  });
  afterAll(async () => {
    await server.close();
    await receiver.close();
    await store.drop();
  });

  it("adds an endpoint, delivers a test event and a real one in the background, and shows the log", async () => {
    const added = await tessera("webhooks", "add", receiver.url, "--event", "key.issued,principal.disabled");
    expect(added.code).toBe(0);
    const secret = /whsec_[A-Za-z0-9+/]{43}=/.exec(added.out)?.[0] as string;
    const id = /whk_[0-9A-Za-z]+/.exec(added.out)?.[0] as string;
    expect(secret).toBeDefined();
    expect(added.out).toContain("shown once");

    const shown = await tessera("webhooks", "show", id);
    expect(shown.out).toContain(receiver.url);
    expect(shown.out).not.toContain(secret);

    expect((await tessera("webhooks", "test", id)).code).toBe(0);
    const [test] = await received(1);
    expect(test?.body.type).toBe("webhook.test");
    const header = test?.headers["tessera-signature"] as string;
    expect(verifyWebhookSignature(test?.rawBody ?? "", header, secret).ok).toBe(true);

    const principal = await tessera(
      "--json",
      "principals",
      "add",
      "--name",
      "hooked",
      "--owner",
      "o",
      "--scope",
      "a:b",
    );
    const principalId = JSON.parse(principal.out).id as string;
    expect((await tessera("keys", "issue", "--principal", principalId, "--scope", "a:b")).code).toBe(0);
    const all = await received(2);
    expect(all[1]?.body).toMatchObject({ type: "key.issued", data: { principalId } });

    // The receiver has both; the outcome of the second attempt may still be being recorded.
    let log = await tessera("webhooks", "deliveries", id);
    for (let i = 0; i < 200 && /pending/.test(log.out); i++) {
      await new Promise((r) => setTimeout(r, 10));
      log = await tessera("webhooks", "deliveries", id);
    }
    expect(log.code).toBe(0);
    expect(log.out).toMatch(/webhook\.test\s+delivered\s+1\s+200/);
    expect(log.out).toMatch(/key\.issued\s+delivered\s+1\s+200/);
    const listed = await tessera("webhooks", "list");
    expect(listed.out).toContain(id);

    const rotated = await tessera("webhooks", "rotate-secret", id, "--grace", "1h");
    expect(rotated.code).toBe(0);
    const next = /whsec_[A-Za-z0-9+/]{43}=/.exec(rotated.out)?.[0];
    expect(next).toBeDefined();
    expect(next).not.toBe(secret);

    const removed = await tessera("webhooks", "remove", id, "--reason", "done");
    expect(removed).toMatchObject({ code: 0, out: `disabled ${id}\n` });
    expect((await tessera("webhooks", "test", id)).code).toBe(1);
  });

  it("refuses a plain-http URL that is not loopback, with the field named", async () => {
    const refused = await tessera("webhooks", "add", "http://hooks.example.com/x", "--event", "*");
    expect(refused.code).toBe(1);
    expect(refused.err).toContain("[validation_failed]");
    expect(refused.err).toContain("https");
  });
});
