/**
 * Suspended and canary keys through the gateway's forward-auth, against a real authority: a
 * suspended key is a 401 invalid_token until resumed; a canary gets exactly the answer of an
 * unknown key, and its use reaches the authority at once with what the gateway saw.
 */
import { randomBytes } from "node:crypto";
import { generateToken } from "@tessera/verifier";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CanaryUse } from "../../authority/src/keys/index.js";
import { createGateway, type RunningGateway } from "../src/index.js";
import { eventually, startTestAuthority, type TestAuthority } from "./authority.js";

let authority: TestAuthority;
let gateway: RunningGateway;
const system = { id: "system:gateway-test", scopes: new Set<string>() };

beforeAll(async () => {
  authority = await startTestAuthority();
  gateway = await createGateway({ url: authority.url, credential: authority.adminKey, name: "gw-suspension" });
  await gateway.verifier.ready(20_000);
});
afterAll(async () => {
  await gateway?.close();
  await authority?.close();
});

async function check(token: string, userAgent = "test") {
  const response = await fetch(`${gateway.url}/auth?scope=orders:read`, {
    headers: { authorization: `Bearer ${token}`, "user-agent": userAgent, "x-forwarded-uri": "/orders/7" },
  });
  return { status: response.status, challenge: response.headers.get("www-authenticate"), body: await response.text() };
}

describe("forward-auth", () => {
  it("refuses a suspended key with 401 invalid_token (reason suspended) until it is resumed", async () => {
    const key = await authority.key(["orders:read"]);
    await eventually(() => gateway.verifier.verify(key.secret).ok);
    await authority.running.authority.lifecycle.suspend(key.id, "odd traffic", system);
    await eventually(async () => (await check(key.secret)).status === 401);
    const refused = await check(key.secret);
    expect(refused.challenge).toBe('Bearer realm="tessera", error="invalid_token"');
    expect(JSON.parse(refused.body)).toEqual({
      error: "invalid_token",
      error_description: "the credential is not valid (suspended)",
    });
    await authority.running.authority.lifecycle.resume(key.id, "cleared", system);
    await eventually(async () => (await check(key.secret)).status === 200);
  });

  it("answers a canary exactly as an unknown key and reports its use at once", async () => {
    const owner = await authority.key(["orders:read"]);
    const canary = await authority.running.authority.keys.issue(
      { principalId: owner.principalId, scopes: [], canary: true },
      { id: "system:gateway-test", scopes: new Set() },
    );
    await eventually(() => gateway.verifier.status().appliedSequence >= canary.sequence);
    const heard: CanaryUse[] = [];
    authority.running.authority.canaries.subscribe((uses) => void heard.push(...uses));
    const unknown = await check(
      generateToken("tsk", (n) => new Uint8Array(randomBytes(n))),
      "probe/1",
    );
    expect(await check(canary.secret, "stolen/2")).toEqual(unknown);
    await eventually(() => heard.length > 0);
    expect(heard[0]).toMatchObject({
      keyId: canary.key.id,
      reportedBy: gateway.verifier.instance,
      userAgent: "stolen/2",
      count: 1,
    });
  });
});
