/**
 * The two snapshot writers (SQLite's aggregated pages, and the row-by-row one PostgreSQL uses)
 * must send the same keys, column for column, across several chunks, and a verifier replica
 * must read them back exactly.
 */
import { randomBytes } from "node:crypto";
import { hashToken } from "@tessera/verifier";
import { Replica } from "@tessera/verifier/replica";
import SQLite from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/database.js";
import type { Schema } from "../../src/db/schema.js";
import { emptyOAuthState } from "../../src/feed/replica-state.js";
import { writeSnapshot, writeSnapshotSqlite } from "../../src/feed/snapshot.js";
import { createTestStore, type TestStore } from "../stores.js";

const NOW = 1_800_000_000_000;
const KEYS = 12_345; // more than one chunk of 10,000

interface Seeded {
  id: string;
  secret: string;
  principal: string;
  scopes: string;
  audience: string | null;
  expiresAt: number | null;
  status: "active" | "deprecated" | "revoked";
  suspended: boolean;
  canary: boolean;
}

/** What a snapshot must contain: active or deprecated, unexpired. */
const shouldSend = (k: Seeded) => k.status !== "revoked" && (k.expiresAt === null || k.expiresAt > NOW);

async function collect(write: (sink: (bytes: Buffer) => Promise<void>) => Promise<unknown>) {
  const frames: Array<{ event: string; data: string }> = [];
  await write(async (bytes) => {
    const text = bytes.toString();
    const event = /^event: (.*)$/m.exec(text)?.[1] as string;
    const data = /^data: (.*)$/m.exec(text)?.[1] as string;
    frames.push({ event, data });
  });
  return frames;
}

describe("snapshot writers", () => {
  let store: TestStore;
  const seeded: Seeded[] = [];

  beforeAll(async () => {
    store = await createTestStore("sqlite");
    const database = await openDatabase(store.url);
    const principals = ["prn_a", "prn_b", "prn_c"];
    for (const id of principals) {
      await database.db
        .insertInto("principals")
        .values({
          id,
          name: id,
          kind: "service",
          owner: "team",
          status: "active",
          allowed_scopes: "[]",
          metadata: "{}",
          created_at: NOW,
          updated_at: NOW,
          created_by: "test",
          disabled_at: null,
          disabled_reason: null,
        })
        .execute();
    }
    await database.close();
    const raw = new SQLite(store.url);
    const insert = raw.prepare(
      `insert into api_keys (id, principal_id, key_hash, start, scopes, audience, description, metadata, status, created_at, created_by, expires_at, suspended_at, canary)
       values (?, ?, ?, 'tsk_x', ?, ?, '', '{}', ?, ?, 'test', ?, ?, ?)`,
    );
    const scopeLists = ['["a:read"]', '["a:read","a:write"]', '["b:read"]'];
    raw.transaction(() => {
      for (let i = 0; i < KEYS; i++) {
        const key: Seeded = {
          id: `key_${i.toString(36).padStart(8, "0")}`,
          secret: randomBytes(24).toString("hex"),
          principal: principals[i % 3] as string,
          scopes: scopeLists[i % 5 === 0 ? 1 : i % 7 === 0 ? 2 : 0] as string,
          audience: i % 11 === 0 ? `aud-${i % 4}` : null,
          expiresAt: i % 13 === 0 ? null : i % 17 === 0 ? NOW - 1 : NOW + i,
          status: i % 19 === 0 ? "revoked" : i % 23 === 0 ? "deprecated" : "active",
          suspended: i % 29 === 0,
          canary: i % 31 === 0 && i % 29 !== 0,
        };
        seeded.push(key);
        insert.run(
          key.id,
          key.principal,
          hashToken(key.secret),
          key.scopes,
          key.audience,
          key.status,
          NOW,
          key.expiresAt,
          key.suspended ? NOW : null,
          key.canary ? 1 : 0,
        );
      }
    })();
    raw.close();
  });

  afterAll(async () => {
    await store.drop();
  });

  it("send the same keys, and a replica reads every one of them back exactly", async () => {
    const connection = new SQLite(store.url, { readonly: true });
    const db = new Kysely<Schema>({ dialect: new SqliteDialect({ database: connection }) });
    try {
      const aggregated = await collect((sink) => writeSnapshotSqlite(connection, db, emptyOAuthState, NOW, sink));
      const rowByRow = await collect((sink) => writeSnapshot(db, emptyOAuthState, NOW, sink));
      const replicaOf = (frames: Array<{ event: string; data: string }>) => {
        const replica = new Replica();
        for (const f of frames) if (f.event === "keys") replica.addChunk(JSON.parse(f.data));
        return replica;
      };
      const expected = seeded.filter(shouldSend);
      for (const frames of [aggregated, rowByRow]) {
        expect(frames.filter((f) => f.event === "keys").length).toBe(2);
        expect(JSON.parse(frames.at(-1)?.data as string)).toMatchObject({ keyCount: expected.length });
        const replica = replicaOf(frames);
        expect(replica.keyCount).toBe(expected.length);
        for (const key of seeded) {
          const found = replica.lookupKey(hashToken(key.secret));
          if (!shouldSend(key)) {
            expect(found).toBeUndefined();
            continue;
          }
          // Suspended keys and canaries travel in the snapshot, marked (chunk columns u and c).
          if (key.suspended) {
            expect(found).toBe("suspended");
            continue;
          }
          if (key.canary) {
            expect(found).toBe("canary");
            expect(replica.canaryKeyId).toBe(key.id);
            continue;
          }
          expect(found).toEqual({
            ok: true,
            keyId: key.id,
            principalId: key.principal,
            scopes: JSON.parse(key.scopes),
            kind: "api_key",
            audience: key.audience,
            expiresAt: key.expiresAt,
            ...(key.status === "deprecated" ? { deprecated: true } : {}),
          });
        }
      }
    } finally {
      await db.destroy();
    }
  });
});
