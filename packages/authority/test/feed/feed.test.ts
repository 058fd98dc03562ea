import { afterEach, beforeEach, expect, it } from "vitest";
import { skipKeyOrdinals } from "../ordinals.js";
import { describeEachStore } from "../stores.js";
import { createFeedFixture, eventually, type FeedFixture } from "./fixture.js";

describeEachStore("change feed and receipts", (kind) => {
  let f: FeedFixture;
  beforeEach(async () => {
    f = await createFeedFixture(kind);
  });
  afterEach(async () => {
    await f.close();
  });

  it("loads a snapshot of live keys and verifies them locally", async () => {
    const live = await f.key(["orders:read", "orders:write"]);
    const revoked = await f.key();
    await f.running.authority.lifecycle.revoke(revoked.id, "test", f.system);
    const verifier = await f.verifier();
    expect(verifier.verify(live.secret, { scopes: ["orders:read"] })).toMatchObject({
      ok: true,
      keyId: live.id,
      principalId: live.principalId,
      kind: "api_key",
    });
    expect(verifier.verify(live.secret, { scopes: ["billing:read"] })).toEqual({
      ok: false,
      reason: "scope_insufficient",
    });
    expect(verifier.verify(revoked.secret)).toEqual({ ok: false, reason: "unknown" });
    expect(verifier.verify("tsk_garbage")).toEqual({ ok: false, reason: "malformed" });
  });

  it("applies issuance and revocation as they happen, and the receipt counts the verifier", async () => {
    const verifier = await f.verifier();
    const issued = await f.key();
    await eventually(() => verifier.verify(issued.secret).ok);
    const answer = await f.request<{
      receipt: {
        verifiers: { confirmed: number; total: number };
        complete: boolean;
        pending: string[];
        failClosedDeadline: string;
        revokedAt: string;
        id: string;
      };
    }>("POST", `/v1/keys/${issued.id}/revoke?wait=10s`, { reason: "leaked" });
    expect(answer.status).toBe(200);
    expect(verifier.verify(issued.secret)).toEqual({ ok: false, reason: "revoked" });
    const receipt = answer.body.receipt;
    expect(receipt.verifiers).toEqual({ confirmed: 1, total: 1 });
    expect(receipt.complete).toBe(true);
    expect(receipt.pending).toEqual([]);
    expect(Date.parse(receipt.failClosedDeadline) - Date.parse(receipt.revokedAt)).toBe(5000);
    const fetched = await f.request<{ id: string; complete: boolean }>("GET", `/v1/receipts/${receipt.id}`);
    expect(fetched.body).toMatchObject({ id: receipt.id, complete: true });
    const recent = await f.request<{ items: { id: string; verifiers: unknown }[] }>("GET", "/v1/receipts?limit=5");
    expect(recent.body.items[0]).toMatchObject({ id: receipt.id, verifiers: { confirmed: 1, total: 1 } });
  });

  it("sends large revocations compactly (ranges of key ordinals, the scope matched, a bitmap or a list of ordinals), and verifiers revoke exactly those keys", async () => {
    const authority = f.running.authority;
    const newPrincipal = (name: string, owner: string) =>
      authority.principals.create(
        { name, kind: "service", owner, allowedScopes: ["orders:read", "orders:write"] },
        f.system,
      );
    // `gap`: other principals' keys' worth of ordinals skipped before each key (sparse ordinals).
    const issue = async (principalId: string, count: number, scopes = (_i: number) => ["orders:read"], gap = 0) => {
      const secrets: string[] = [];
      for (let i = 0; i < count; i++) {
        if (gap > 0) await skipKeyOrdinals(authority.database.db, kind, gap);
        secrets.push((await authority.keys.issue({ principalId, scopes: scopes(i) }, f.system)).secret);
      }
      return secrets;
    };
    const fleet = await newPrincipal("fleet", "team-b");
    const fleetKeys = await issue(fleet.id, 200);
    const teamC = [await newPrincipal("c-one", "team-c"), await newPrincipal("c-two", "team-c")];
    const teamCKeys = [...(await issue(teamC[0]?.id as string, 100)), ...(await issue(teamC[1]?.id as string, 100))];
    // A breach window: 150 keys before it, 50 after (spared), other keys issued in between (so
    // that the ordinals are sparse and ranges, not a bitmap, describe it).
    const windowed = await newPrincipal("windowed", "team-d");
    const beforeBreach = await issue(windowed.id, 150, undefined, 100);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const breach = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const afterBreach = await issue(windowed.id, 50, undefined, 100);
    // Every other key holds orders:write: revoking those is no range. Issued in a row: a bitmap.
    const alternate = (i: number) => [i % 2 === 0 ? "orders:read" : "orders:write"];
    const dense = await newPrincipal("dense", "team-e");
    const denseKeys = await issue(dense.id, 320, alternate);
    // The same among other keys: no ranges, no dense bitmap, so the ordinals go, listed.
    const scattered = await newPrincipal("scattered", "team-f");
    const scatteredKeys = await issue(scattered.id, 320, alternate, 100);
    const scoped = await newPrincipal("scoped", "team-g");
    const scopedKeys = await issue(scoped.id, 320, alternate, 100);
    const odd = (keys: string[]) => keys.filter((_, i) => i % 2 === 1);
    const even = (keys: string[]) => keys.filter((_, i) => i % 2 === 0);
    const other = await f.key();
    const verifier = await f.verifier();
    const doomed = [
      ...fleetKeys,
      ...teamCKeys,
      ...beforeBreach,
      ...odd(denseKeys),
      ...odd(scatteredKeys),
      ...odd(scopedKeys),
    ];
    const spared = [...afterBreach, ...even(denseKeys), ...even(scatteredKeys), ...even(scopedKeys), other.secret];
    expect([...doomed, ...spared].every((s) => verifier.verify(s).ok)).toBe(true);
    // Issued after the verifier loaded its snapshot: it learns this one (and its ordinal) from the feed.
    const late = await authority.keys.issue({ principalId: fleet.id, scopes: ["orders:read"] }, f.system);
    await eventually(() => verifier.verify(late.secret).ok);

    // Listen to the raw feed to see what goes over the wire.
    const raw = await fetch(`${f.running.url}/v1/feed?name=wire-watch&instance=wire-watch-1`, {
      headers: { authorization: `Bearer ${f.adminKey}`, accept: "text/event-stream" },
    });
    const reader = (raw.body as ReadableStream<Uint8Array>).getReader();
    let wire = "";
    const collecting = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        wire += Buffer.from(value).toString();
      }
    })().catch(() => undefined);
    await eventually(() => wire.includes("event: snapshot_end"));

    // (The service directly: over HTTP, this many keys is past the default step-up threshold.)
    const lifecycle = authority.lifecycle;
    expect((await lifecycle.revokeBySelector({ principalId: fleet.id }, "compromised", f.system)).revoked).toBe(201);
    expect((await lifecycle.revokeBySelector({ owner: "team-c" }, "team offboarded", f.system)).revoked).toBe(200);
    const window = { principalId: windowed.id, createdBefore: breach };
    expect((await lifecycle.revokeBySelector(window, "breach window", f.system)).revoked).toBe(150);
    // (createdAfter: more than a scope, so that the feed cannot send the scope matched.)
    const denseWriters = { principalId: dense.id, scope: "orders:write", createdAfter: 0 };
    expect((await lifecycle.revokeBySelector(denseWriters, "dense write keys", f.system)).revoked).toBe(160);
    const writers = { principalId: scattered.id, scope: "orders:write", createdAfter: 0 };
    expect((await lifecycle.revokeBySelector(writers, "write keys leaked", f.system)).revoked).toBe(160);
    // Only a scope and a principal: the feed sends the condition.
    const scopedWriters = { principalId: scoped.id, scope: "orders:write" };
    expect((await lifecycle.revokeBySelector(scopedWriters, "scoped write keys", f.system)).revoked).toBe(160);
    await eventually(() => doomed.every((s) => verifier.verify(s).ok === false));
    expect(verifier.verify(late.secret)).toEqual({ ok: false, reason: "revoked" });
    for (const secret of spared) expect(verifier.verify(secret).ok).toBe(true);

    await eventually(() => wire.includes('"reason":"scoped write keys"'));
    await reader.cancel();
    await collecting;
    const sent = wire
      .split("\n")
      .filter((line) => line.startsWith("data: ") && line.includes('"type":"key.revoked"'))
      .map((line) => JSON.parse(line.slice("data: ".length)) as { data: Record<string, unknown> });
    const range = expect.arrayContaining([expect.any(Number)]);
    expect(sent.map((change) => change.data)).toEqual([
      { runs: { [fleet.id]: range }, count: 201, reason: "compromised", cause: "revocation.selector" },
      {
        runs: { [teamC[0]?.id as string]: range, [teamC[1]?.id as string]: range },
        count: 200,
        reason: "team offboarded",
        cause: "revocation.selector",
      },
      { runs: { [windowed.id]: range }, count: 150, reason: "breach window", cause: "revocation.selector" },
      {
        ordinalBitmap: { from: expect.any(Number), bits: expect.any(String) },
        count: 160,
        reason: "dense write keys",
        cause: "revocation.selector",
      },
      { ordinalDeltas: range, count: 160, reason: "write keys leaked", cause: "revocation.selector" },
      {
        scopeMatch: { scope: "orders:write", principalId: scoped.id },
        count: 160,
        reason: "scoped write keys",
        cause: "revocation.selector",
      },
    ]);
    // One range per principal here: each principal's keys were issued in a row (among others).
    for (const change of sent.slice(0, 3)) {
      for (const ranges of Object.values(change.data.runs as Record<string, number[]>)) expect(ranges).toHaveLength(2);
    }
    expect(sent[4]?.data.ordinalDeltas).toHaveLength(160);
    // The change log keeps every id for everyone else (webhooks, audit).
    const stored = await authority.database.db
      .selectFrom("change_log")
      .select("data")
      .where("type", "=", "key.revoked")
      .orderBy("seq", "desc")
      .limit(2)
      .execute();
    expect(stored.map((row) => (JSON.parse(row.data) as { ids: string[] }).ids.length)).toEqual([160, 160]);
  });

  it("sends a snapshot, not a resume, to a client whose replica predates the feed floor", async () => {
    await f.key();
    const db = f.running.authority.database.db;
    const headNow = async () =>
      Number(
        (await db.selectFrom("sequences").select("value").where("name", "=", "change").executeTakeFirstOrThrow()).value,
      );
    // As migration 0009 leaves it on a database that had changes: replicas up to here are old.
    const floor = await headNow();
    await db.updateTable("sequences").set({ value: floor }).where("name", "=", "feed_floor").execute();
    await f.key();
    const head = await headNow();
    const firstEvent = async (lastEventId: number, instance: string) => {
      const response = await fetch(`${f.running.url}/v1/feed?name=floor&instance=${instance}`, {
        headers: {
          authorization: `Bearer ${f.adminKey}`,
          accept: "text/event-stream",
          "last-event-id": String(lastEventId),
        },
      });
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      let text = "";
      // The hello, then either a snapshot or (resuming at the head) the first heartbeat.
      while (!/event: (snapshot|heartbeat)/.test(text))
        text += Buffer.from((await reader.read()).value ?? []).toString();
      await reader.cancel();
      return text.match(/event: (snapshot|heartbeat)/)?.[1];
    };
    expect(await firstEvent(head, "floor-resume-1")).toBe("heartbeat");
    expect(await firstEvent(floor, "floor-resume-2")).toBe("snapshot");
  });

  it("takes acks on the ack stream: receipts confirm with no request per ack", async () => {
    const verifier = await f.verifier();
    for (let i = 0; i < 3; i++) {
      const issued = await f.key();
      await eventually(() => verifier.verify(issued.secret).ok);
      const answer = await f.request<{ receipt: { verifiers: { confirmed: number; total: number } } }>(
        "POST",
        `/v1/keys/${issued.id}/revoke?wait=10s`,
        { reason: "leaked" },
      );
      expect(answer.body.receipt.verifiers).toEqual({ confirmed: 1, total: 1 });
    }
    const metrics = await fetch(`${f.running.url}/metrics`).then((r) => r.text());
    expect(metrics).not.toContain('route="/v1/verifiers/acks"');
  });

  it("answers the ack stream line by line, and ends it at a line that is not a sequence", async () => {
    const { request } = await import("node:http");
    const url = `${f.running.url}/v1/verifiers/acks/stream?instance=abcdefgh12`;
    const req = request(url, {
      method: "POST",
      headers: {
        authorization: `Bearer ${f.adminKey}`,
        "content-type": "application/x-tessera-acks",
        "transfer-encoding": "chunked",
      },
    });
    const lines: string[] = [];
    const ended = new Promise<void>((resolve) => {
      req.on("response", (res) => {
        expect(res.statusCode).toBe(200);
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => lines.push(...chunk.split("\n").filter((l) => l !== "")));
        res.on("end", resolve);
        res.on("close", resolve);
      });
    });
    req.on("error", () => {});
    req.write("3\n");
    await eventually(() => lines.includes("ok 3"));
    req.write("7\n5\n");
    await eventually(() => lines.includes("ok 7"));
    req.write("seven\n");
    await ended;
    expect(lines).toEqual(["ok 3", "ok 7", "error each line must be a sequence number"]);
  });

  it("lists connected verifiers with their applied sequence and lag", async () => {
    const verifier = await f.verifier({ name: "checkout-1" });
    await f.key();
    await eventually(async () => {
      const list = await f.request<{ head: number; verifiers: Array<{ name: string; lag: number; id: string }> }>(
        "GET",
        "/v1/verifiers",
      );
      const mine = list.body.verifiers.find((v) => v.id === verifier.instance);
      return mine?.name === "checkout-1" && mine.lag === 0;
    });
  });
});
