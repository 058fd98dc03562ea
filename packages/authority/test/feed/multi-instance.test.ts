/**
 * Several authority instances on one PostgreSQL database: a revocation written through
 * instance A reaches verifiers connected to instance B, and A's receipt counts the acks that
 * B received (the `verifiers` table is the shared record; NOTIFY wakes the other instance).
 */
import { createVerifier, type Verifier } from "@tessera/verifier";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningAuthority } from "../../src/server.js";
import { createTestStore, POSTGRES_URL, type TestStore } from "../stores.js";
import { createFeedFixture, eventually, type FeedFixture, startOn } from "./fixture.js";

const describePg = POSTGRES_URL ? describe : describe.skip;

describePg("two authority instances on one PostgreSQL", () => {
  let store: TestStore;
  let a: FeedFixture;
  let b: RunningAuthority;
  const verifiers: Verifier[] = [];
  beforeAll(async () => {
    store = await createTestStore("postgres");
    a = await createFeedFixture("postgres", { store });
    b = await startOn(store);
  });
  afterAll(async () => {
    await Promise.all(verifiers.map((v) => v.close()));
    await b.close();
    await a.close();
    await store.drop();
  });

  async function verifierOn(url: string, name: string) {
    const verifier = createVerifier({ url, credential: a.adminKey, name, staleness: "5s" });
    verifiers.push(verifier);
    await verifier.ready(20_000);
    return verifier;
  }

  it("delivers a revocation written through A to a verifier on B, and A's receipt counts it", async () => {
    const onA = await verifierOn(a.running.url, "on-a");
    const onB = await verifierOn(b.url, "on-b");
    const key = await a.key();
    await eventually(() => onA.verify(key.secret).ok && onB.verify(key.secret).ok);
    const answer = await a.request<{
      receipt: { verifiers: { confirmed: number; total: number }; pending: string[]; complete: boolean };
    }>("POST", `/v1/keys/${key.id}/revoke?wait=10s`, { reason: "leaked" });
    expect(answer.status).toBe(200);
    expect(answer.body.receipt).toMatchObject({ verifiers: { confirmed: 2, total: 2 }, pending: [], complete: true });
    expect(onB.verify(key.secret)).toEqual({ ok: false, reason: "revoked" });
    expect(onA.verify(key.secret)).toEqual({ ok: false, reason: "revoked" });
  });

  it("B's verifier list shows verifiers connected to either instance", async () => {
    const response = await fetch(`${b.url}/v1/verifiers`, { headers: { authorization: `Bearer ${a.adminKey}` } });
    const list = (await response.json()) as { verifiers: Array<{ name: string; authorityInstance: string }> };
    const names = list.verifiers.map((v) => v.name).sort();
    expect(names).toEqual(expect.arrayContaining(["on-a", "on-b"]));
    expect(new Set(list.verifiers.map((v) => v.authorityInstance)).size).toBe(2);
  });

  it("delivers issuance through B to A's verifier (changes from any instance, in order)", async () => {
    const onA = verifiers[0] as Verifier;
    const issued = await fetch(`${b.url}/v1/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${a.adminKey}`, "content-type": "application/json" },
      body: JSON.stringify({ principalId: (await a.key()).principalId, scopes: ["orders:read"] }),
    });
    const { secret } = (await issued.json()) as { secret: string };
    await eventually(() => onA.verify(secret).ok);
    const statusA = onA.status();
    expect(statusA.appliedSequence).toBe(statusA.headSequence);
  });
});
