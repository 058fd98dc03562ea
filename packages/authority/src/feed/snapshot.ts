/**
 * Writes a snapshot to one connection: the change-log head S, the OAuth state and every
 * active or deprecated, unexpired key, read in one transaction (REPEATABLE READ on
 * PostgreSQL; a read transaction on SQLite, which is a consistent snapshot in WAL mode), so
 * the snapshot is exactly the state after change S: nothing missed, nothing applied twice.
 */
import type { Kysely } from "kysely";
import type { Schema } from "../db/schema.js";
import { frame, snapshotKeyRow } from "./frames.js";
import type { OAuthStateLoader } from "./replica-state.js";

const PAGE = 5000;

export async function writeSnapshot(
  db: Kysely<Schema>,
  loadOAuthState: OAuthStateLoader,
  nowMs: number,
  write: (bytes: Buffer) => Promise<void>,
): Promise<{ sequence: number; keyCount: number }> {
  return db
    .transaction()
    .setIsolationLevel("repeatable read")
    .execute(async (trx) => {
      const head = await trx
        .selectFrom("sequences")
        .select("value")
        .where("name", "=", "change")
        .executeTakeFirstOrThrow();
      const sequence = Number(head.value);
      const oauth = await loadOAuthState(trx, nowMs);
      await write(frame("snapshot", JSON.stringify({ sequence, oauth })));
      let keyCount = 0;
      let after = "";
      for (;;) {
        const rows = await trx
          .selectFrom("api_keys")
          .select(["id", "key_hash", "principal_id", "scopes", "audience", "expires_at", "status"])
          .where("status", "in", ["active", "deprecated"])
          .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", nowMs)]))
          .where("id", ">", after)
          .orderBy("id")
          .limit(PAGE)
          .execute();
        if (rows.length === 0) break;
        let text = "[";
        for (let i = 0; i < rows.length; i++)
          text += (i === 0 ? "" : ",") + snapshotKeyRow(rows[i] as (typeof rows)[0]);
        await write(frame("keys", `${text}]`));
        keyCount += rows.length;
        after = (rows[rows.length - 1] as (typeof rows)[0]).id;
        if (rows.length < PAGE) break;
      }
      await write(frame("snapshot_end", JSON.stringify({ sequence, keyCount }), sequence));
      return { sequence, keyCount };
    });
}
