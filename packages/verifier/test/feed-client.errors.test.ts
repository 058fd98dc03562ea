/**
 * The feed client's two ways out of a wait that would otherwise be long and silent: a refused
 * credential rejects `ready()` at once, and a connection that stops sending (not even a
 * heartbeat) is dropped after `idleTimeout` and made again, resuming where it stopped.
 * (The same against the real authority through a blackholing TCP proxy:
 * packages/authority/test/feed/watchdog.test.ts.)
 */
import { afterEach, beforeEach, expect, it } from "vitest";
import { createVerifier, type Verifier } from "../src/create-verifier.js";
import { FeedHttpError } from "../src/feed-errors.js";
import { CREDENTIAL, type FakeAuthority, fakeKey, startFakeAuthority, until } from "./fake-authority.js";

let authority: FakeAuthority;
const verifiers: Verifier[] = [];
beforeEach(async () => {
  authority = await startFakeAuthority();
});
afterEach(async () => {
  await Promise.all(verifiers.splice(0).map((v) => v.close()));
  await authority.close();
});

it("ready() rejects at once with a coded error when the authority refuses the credential, and close() does not wait for the retry", async () => {
  const verifier = createVerifier({ url: authority.url, credential: "tsk_wrong", name: "svc", usage: false });
  verifiers.push(verifier);
  const started = Date.now();
  const error = await verifier.ready(20_000).catch((e: unknown) => e);
  expect(Date.now() - started).toBeLessThan(3000);
  expect(error).toBeInstanceOf(FeedHttpError);
  expect(error).toMatchObject({ status: 401, code: "feed_unauthorized", name: "FeedHttpError" });
  expect((error as Error).message).not.toContain("tsk_wrong");
  const closing = Date.now();
  await verifier.close();
  expect(Date.now() - closing).toBeLessThan(1000);
});

it("checks idleTimeout when created", () => {
  const base = { url: "http://x", credential: CREDENTIAL, name: "a" };
  expect(() => createVerifier({ ...base, idleTimeout: "soon" })).toThrow(TypeError);
  expect(() => createVerifier({ ...base, idleTimeout: 10 })).toThrow(/at least 100ms/);
});

it("drops a connection that went silent after idleTimeout and resumes on a fresh one", async () => {
  const key = fakeKey();
  authority.state = { ...authority.state, sequence: 5, keys: [key] };
  const errors: Error[] = [];
  const verifier = createVerifier({
    url: authority.url,
    credential: CREDENTIAL,
    name: "svc",
    staleness: "5s",
    idleTimeout: "600ms",
    usage: false,
    onError: (error) => errors.push(error),
  });
  verifiers.push(verifier);
  await verifier.ready();
  await new Promise((resolve) => setTimeout(resolve, 300)); // a heartbeat: the connection is live
  expect(authority.feedRequests).toEqual([null]);

  authority.heartbeats = false; // the connection stays open and sends nothing
  await until(() => authority.feedRequests.length === 2, 5000);
  expect(authority.feedRequests[1]).toBe("5"); // resumed after the last applied change
  expect(errors.map((e) => (e as { code?: string }).code)).toContain("feed_idle");
  expect(verifier.verify(key.secret).ok).toBe(true);
});

it("does not take a busy process for a silent connection: bytes waiting unread are read before the watchdog decides", async () => {
  authority.state = { ...authority.state, sequence: 1, keys: [fakeKey()] };
  const verifier = createVerifier({
    url: authority.url,
    credential: CREDENTIAL,
    name: "svc",
    idleTimeout: "400ms",
    usage: false,
  });
  verifiers.push(verifier);
  await verifier.ready();
  await new Promise((resolve) => setTimeout(resolve, 300)); // live: heartbeats every 200 ms
  // Block this process for longer than the bound while heartbeats keep arriving in the socket.
  const busyUntil = Date.now() + 1200;
  while (Date.now() < busyUntil) {
    // busy
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(authority.feedRequests).toEqual([null]);
  expect(verifier.status().connected).toBe(true);
});
