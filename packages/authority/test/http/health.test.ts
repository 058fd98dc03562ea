/**
 * Liveness and readiness answer different questions: a database outage makes /readyz 503 (take
 * the instance out of the load balancer) but never /livez (that would get the process restarted
 * in a loop while the database is down).
 */
import { createServer, type Server, type Socket } from "node:net";
import { afterEach, expect, it } from "vitest";
import { openDatabase } from "../../src/db/database.js";
import { createReadinessCheck } from "../../src/db/readiness.js";
import { createHttpHarness, type HttpHarness } from "../http-harness.js";
import { describeEachStore } from "../stores.js";

describeEachStore("liveness and readiness", (kind) => {
  let h: HttpHarness | undefined;
  afterEach(async () => {
    await h?.close().catch(() => {});
    h = undefined;
  });

  it("answers livez, readyz and healthz when the database is up", async () => {
    h = await createHttpHarness(kind);
    const live = await h.call("GET", "/livez", { key: null });
    expect(live.statusCode).toBe(200);
    expect(live.json()).toEqual({ status: "ok" });
    const ready = await h.call("GET", "/readyz", { key: null });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: "ready", database: kind });
    expect(ready.json().migrations).toBeGreaterThanOrEqual(11);
    expect((await h.call("GET", "/healthz", { key: null })).json()).toEqual({ status: "ok", database: kind });
  });

  it("a database outage makes readyz and healthz 503 but never livez", async () => {
    h = await createHttpHarness(kind);
    expect((await h.call("GET", "/readyz", { key: null })).statusCode).toBe(200);
    await h.authority.database.close();
    const ready = await h.call("GET", "/readyz", { key: null });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({ status: "unavailable", database: kind, reason: "database_unreachable" });
    expect((await h.call("GET", "/healthz", { key: null })).statusCode).toBe(503);
    const live = await h.call("GET", "/livez", { key: null });
    expect(live.statusCode).toBe(200);
    expect(live.json()).toEqual({ status: "ok" });
  });

  it("is not ready while a migration this build knows is not applied", async () => {
    h = await createHttpHarness(kind);
    await h.authority.database.db
      .deleteFrom("kysely_migration" as never)
      .where("name" as never, "=", "0011_campaign_creator_scopes" as never)
      .execute();
    const ready = await h.call("GET", "/readyz", { key: null });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({
      status: "unavailable",
      database: kind,
      reason: "migrations_pending",
      pending: ["0011_campaign_creator_scopes"],
    });
    expect((await h.call("GET", "/livez", { key: null })).statusCode).toBe(200);
  });
});

it("a database that accepts connections but never answers is unreachable within the bound", async () => {
  const sockets: Socket[] = [];
  const blackhole: Server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => blackhole.listen(0, "127.0.0.1", resolve));
  const port = (blackhole.address() as { port: number }).port;
  const database = await openDatabase(`postgres://tessera@127.0.0.1:${port}/tessera`, { migrate: false });
  try {
    const started = Date.now();
    const readiness = await createReadinessCheck(database, 300)();
    expect(readiness).toEqual({ ready: false, problem: "database_unreachable" });
    expect(Date.now() - started).toBeLessThan(2000);
  } finally {
    for (const socket of sockets) socket.destroy();
    blackhole.close();
    await database.close().catch(() => {});
  }
});
