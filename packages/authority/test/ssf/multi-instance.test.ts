/**
 * Two authority instances on one PostgreSQL: changes made on either, a stream polled through
 * both in turn while both background loops run. Every key's events arrive, none twice.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { type RunningAuthority, startAuthority } from "../../src/server.js";
import { createTestStore, POSTGRES_URL, type TestStore } from "../stores.js";

const CHANGE = "https://schemas.openid.net/secevent/caep/event-type/credential-change";

// SQLite serves one process: sharing needs PostgreSQL.
(POSTGRES_URL ? describe : describe.skip)(
  "SSF on two instances sharing PostgreSQL (skipped without TESSERA_TEST_POSTGRES_URL)",
  () => {
    const kind = "postgres" as const;
    let store: TestStore;
    let a: RunningAuthority;
    let b: RunningAuthority;
    let rootKey: string;
    beforeAll(async () => {
      store = await createTestStore(kind);
      a = await startAuthority(loadConfig({}, { databaseUrl: store.url, port: 0 }), { logger: false });
      rootKey = a.bootstrap.rootKey?.secret as string;
      b = await startAuthority(loadConfig({}, { databaseUrl: store.url, port: 0 }), { logger: false });
    });
    afterAll(async () => {
      await b?.close();
      await a?.close();
      await store?.drop();
    });

    const call = async <T>(on: RunningAuthority, method: string, path: string, body?: unknown) => {
      const response = await fetch(on.url + path, {
        method,
        headers: { authorization: `Bearer ${rootKey}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return (await response.json()) as T;
    };

    it("delivers every event once whichever instance made the change or answers the poll", async () => {
      const stream = await call<{ stream_id: string }>(a, "POST", "/ssf/stream", { events_requested: [CHANGE] });
      const principal = await call<{ id: string }>(a, "POST", "/v1/principals", {
        name: "shared",
        kind: "service",
        owner: "shared",
        allowedScopes: ["orders:read"],
      });
      const ids: string[] = [];
      for (let i = 0; i < 40; i++) {
        const on = i % 2 === 0 ? a : b;
        ids.push(
          (
            await call<{ key: { id: string } }>(on, "POST", "/v1/keys", {
              principalId: principal.id,
              scopes: ["orders:read"],
            })
          ).key.id,
        );
      }
      await call(b, "POST", "/v1/revocations", { selector: { owner: "shared" }, reason: "done" });
      const seen = new Map<string, string>();
      let ack: string[] = [];
      for (let round = 0; round < 200; round++) {
        const on = round % 2 === 0 ? a : b;
        const answer = await call<{ sets: Record<string, string> }>(on, "POST", `/ssf/poll/${stream.stream_id}`, {
          ack,
          maxEvents: 7,
          returnImmediately: true,
        });
        ack = Object.keys(answer.sets);
        for (const [jti, jwt] of Object.entries(answer.sets)) {
          expect(seen.has(jti), `jti ${jti} came twice`).toBe(false);
          const payload = JSON.parse(Buffer.from(jwt.split(".")[1] as string, "base64url").toString());
          seen.set(jti, `${payload.sub_id.id} ${payload.events[CHANGE].change_type}`);
        }
        if (seen.size >= 80 && ack.length === 0) break;
      }
      const events = [...seen.values()].sort();
      expect(events).toEqual([...ids.map((id) => `${id} create`), ...ids.map((id) => `${id} revoke`)].sort());
    });
  },
);
