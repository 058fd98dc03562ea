/**
 * A canary key behind the node:http middleware: the caller gets exactly the answer an unknown
 * key gets, and the verifier reports the use at once (the batch interval here is a minute, so
 * only an immediate report can arrive), with the address, user agent and route the middleware
 * saw, and never the token.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVerifier, type Verifier } from "../src/create-verifier.js";
import { tesseraNodeHttp } from "../src/middleware/node-http.js";
import { CREDENTIAL, type FakeAuthority, fakeKey, startFakeAuthority, until } from "./fake-authority.js";

let authority: FakeAuthority;
let verifier: Verifier;
let server: Server;
let url: string;
const reader = fakeKey({ scopes: ["orders:read"] });
const canary = fakeKey({ scopes: [], canary: true });

beforeAll(async () => {
  authority = await startFakeAuthority();
  authority.state = {
    sequence: 1,
    keys: [reader, canary],
    oauth: { signingKeys: [], revokedJtis: [], revokedFamilies: [], principalCutoffs: [] },
  };
  verifier = createVerifier({
    url: authority.url,
    credential: CREDENTIAL,
    name: "canary",
    usage: { intervalMs: 60_000 },
  });
  await verifier.ready();
  const authenticate = tesseraNodeHttp({ verifier, scopes: ["orders:read"] });
  server = createServer(async (req, res) => {
    const credential = await authenticate(req, res);
    if (credential) res.end("ok");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await verifier.close().catch(() => undefined);
  await authority.close();
});

async function call(token: string, userAgent: string) {
  const response = await fetch(`${url}/orders?page=2`, {
    headers: { authorization: `Bearer ${token}`, "user-agent": userAgent },
  });
  return {
    status: response.status,
    challenge: response.headers.get("www-authenticate"),
    type: response.headers.get("content-type"),
    body: await response.text(),
  };
}

const entries = () => authority.usage.flatMap((batch) => batch.entries);

describe("canary keys behind middleware", () => {
  it("answer exactly as an unknown key, and are reported at once with the request's facts", async () => {
    const unknown = await call(fakeKey().secret, "probe/1.0");
    const tripped = await call(canary.secret, "stolen-creds/2.1");
    expect(tripped).toEqual(unknown);
    expect(tripped.status).toBe(401);
    // Batches go every 60 s here: only the canary's immediate report can be in already.
    await until(() => entries().some((e) => e.outcome === "canary"), 5_000);
    const reported = entries().filter((e) => e.outcome === "canary");
    expect(reported).toEqual([
      {
        keyId: canary.id,
        kind: "api_key",
        outcome: "canary",
        route: "/orders",
        address: "127.0.0.1",
        userAgent: "stolen-creds/2.1",
        count: 1,
        lastAt: expect.any(Number),
      },
    ]);
    expect(JSON.stringify(authority.usage)).not.toContain(canary.secret);
    // The canary became its own entry: once the rest is sent (close flushes), no `unknown`
    // entry names that request's user agent, and the unknown token's request is there.
    await verifier.close();
    expect(entries().some((e) => e.outcome === "unknown" && e.userAgent === "probe/1.0")).toBe(true);
    expect(entries().filter((e) => e.outcome === "unknown" && e.userAgent === "stolen-creds/2.1")).toEqual([]);
  });
});

describe("canary keys through a bare verify()", () => {
  it("are reported on the next turn, without request facts, and verify() still says unknown", async () => {
    const bare = createVerifier({
      url: authority.url,
      credential: CREDENTIAL,
      name: "bare",
      usage: { intervalMs: 60_000 },
    });
    try {
      await bare.ready();
      const before = entries().length;
      expect(bare.verify(canary.secret)).toBe(bare.verify(fakeKey().secret));
      await until(
        () => entries().length > before && entries().some((e) => e.outcome === "canary" && e.route === ""),
        5_000,
      );
      const reported = entries().filter((e) => e.outcome === "canary" && e.route === "");
      // One verification of the canary above: one use.
      expect(reported.reduce((n, e) => n + (e.count as number), 0)).toBe(1);
      expect(reported[0]).toMatchObject({ keyId: canary.id, address: "", userAgent: "" });
    } finally {
      await bare.close();
    }
  });
});
