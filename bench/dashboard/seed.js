// Seeds a migrated SQLite store with `count` active keys straight through better-sqlite3, in one
// transaction: the fastest way to a million-key inventory (issuing them one by one over the API
// would take most of an hour and measure issuance, not the dashboard).
import { createHash } from "node:crypto";
import Database from "better-sqlite3";

export function seedKeys(path, principalId, count) {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = OFF");
  const now = Date.now();
  const start = db.prepare("select value from sequences where name = 'key_ordinal'").get()?.value ?? 0;
  const insert = db.prepare(
    `insert into api_keys (id, principal_id, key_hash, start, scopes, audience, description, metadata, status,
       created_at, created_by, expires_at, ordinal, canary)
     values (?, ?, ?, ?, '["orders:read"]', null, ?, '{}', 'active', ?, 'bench', ?, ?, 0)`,
  );
  const fill = db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const id = `key_bench${i.toString(36).padStart(8, "0")}`;
      const hash = createHash("sha256").update(id).digest("hex");
      const created = now - (count - i) * 1000;
      insert.run(
        id,
        principalId,
        hash,
        `tsk_${hash.slice(0, 4)}`,
        `bench key ${i}`,
        created,
        created + 90 * 86_400_000,
        Number(start) + i + 1,
      );
    }
    db.prepare("update sequences set value = ? where name = 'key_ordinal'").run(Number(start) + count);
  });
  fill();
  db.close();
}
