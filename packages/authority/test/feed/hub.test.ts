/**
 * The hub broadcasts a local transaction's committed rows from memory only when they are the
 * next ones; anything else is left to a read of the change log, which keeps the order.
 */
import { describe, expect, it } from "vitest";
import type { ChangeLogTable } from "../../src/db/schema.js";
import { createFeedHub, type FeedConnection } from "../../src/feed/hub.js";

const row = (seq: number): ChangeLogTable => ({ seq, at: 1, type: "key.revoked", data: `{"ids":["key_${seq}"]}` });

function setup(committed: ChangeLogTable[]) {
  let reads = 0;
  const hub = createFeedHub({
    async readChanges(after, limit) {
      reads++;
      return committed.filter((r) => Number(r.seq) > after).slice(0, limit);
    },
    readHead: async () => 0,
    now: () => 0,
    heartbeatMs: 60_000,
    maxBufferedBytes: 1 << 20,
    onError: (error) => {
      throw error;
    },
  });
  const seen: number[] = [];
  const connection: FeedConnection = {
    verifierId: "v",
    sent: 0,
    queue: null,
    write: (bytes) => {
      const seq = /^id: (\d+)/.exec(bytes.toString())?.[1];
      if (seq) seen.push(Number(seq));
    },
    buffered: () => 0,
    destroy: () => undefined,
  };
  hub.add(connection);
  return { hub, seen, reads: () => reads };
}

describe("feed hub: committed rows from memory", () => {
  it("sends the next rows without reading them back", async () => {
    const committed = [row(1), row(2)];
    const { hub, seen, reads } = setup(committed);
    await hub.start();
    hub.offer(committed);
    expect(seen).toEqual([1, 2]);
    expect(reads()).toBe(0);
    expect(hub.position()).toBe(2);
    hub.stop();
  });

  it("reads instead when rows arrive out of order (another writer's are still in flight), and never repeats one", async () => {
    const committed = [row(1), row(2), row(3)];
    const { hub, seen, reads } = setup(committed);
    await hub.start();
    hub.offer([row(2), row(3)]);
    await new Promise((resolve) => setImmediate(resolve));
    await hub.wake();
    expect(seen).toEqual([1, 2, 3]);
    expect(reads()).toBeGreaterThan(0);
    // The late writer's own offer comes after its rows went out: nothing is sent twice.
    hub.offer([row(1)]);
    await hub.wake();
    expect(seen).toEqual([1, 2, 3]);
    hub.stop();
  });
});
