/**
 * A gateway cut off from the authority stops trusting its replica after its staleness bound
 * (fails closed, /healthz 503) and recovers, missing no change, once the authority is back.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGateway, type RunningGateway } from "../src/index.js";
import { eventually, startTestAuthority, type TestAuthority } from "./authority.js";
import { type Relay, startRelay } from "./relay.js";

let authority: TestAuthority;
let relay: Relay;
let gateway: RunningGateway;

beforeAll(async () => {
  authority = await startTestAuthority();
  relay = await startRelay(authority.url);
  gateway = await createGateway({ url: relay.url, credential: authority.adminKey, staleness: "2s" });
  await gateway.verifier.ready(20_000);
});
afterAll(async () => {
  await gateway?.close();
  await relay?.close();
  await authority?.close();
});

const auth = (secret: string) =>
  fetch(`${gateway.url}/auth?scope=orders:read`, { headers: { authorization: `Bearer ${secret}` } }).then(
    (r) => r.status,
  );
const health = () => fetch(`${gateway.url}/healthz`).then((r) => r.status);

describe("cut off from the authority", () => {
  it("fails closed after its bound, then recovers and applies what it missed", async () => {
    const kept = await authority.key(["orders:read"]);
    const revokedWhileCut = await authority.key(["orders:read"]);
    await eventually(async () => (await auth(kept.secret)) === 200 && (await auth(revokedWhileCut.secret)) === 200);
    expect(await health()).toBe(200);

    const cutAt = Date.now();
    relay.cut();
    await authority.revoke(revokedWhileCut.id);
    // Still inside the bound the replica is trusted (it cannot know of the revocation)...
    await eventually(async () => (await auth(kept.secret)) === 503, 5000);
    const failedClosedAfter = Date.now() - cutAt;
    // ...and past it nothing is accepted: the revoked key was never accepted beyond the bound.
    // (2 s bound; the rest is the polling requests' own latency on a loaded machine.)
    expect(failedClosedAfter).toBeLessThan(2000 + 2500);
    expect(await auth(revokedWhileCut.secret)).toBe(503);
    expect(await health()).toBe(503);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toContain("tessera_gateway_replica_fresh 0");
    expect(metrics).toMatch(/tessera_gateway_decisions_total\{outcome="stale"\} [1-9]/);

    relay.restore();
    await eventually(async () => (await health()) === 200, 15_000);
    expect(await auth(kept.secret)).toBe(200);
    expect(await auth(revokedWhileCut.secret)).toBe(401);
  });
});
