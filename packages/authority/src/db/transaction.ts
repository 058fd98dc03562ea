/**
 * The one way state changes are written: a transaction in which the entity, its audit record
 * and (for changes verifiers must see) a change-log entry are written together.
 *
 * Gap-free, in-order sequences: each writer increments a row of `sequences` inside its
 * transaction. The row lock is held until commit, so writer N+1 cannot take its number before
 * writer N has committed or rolled back (a rollback undoes the increment too). A reader that
 * has seen sequence N therefore never later finds an N-1 it missed, on PostgreSQL with many
 * connections and instances as on SQLite. A unit takes each row once and counts further
 * entries in memory, writing the row back just before its commit (`unitSequences`): code
 * inside a unit that reads `sequences` sees it as it was before the unit's own entries.
 */
import type { Kysely, Transaction } from "kysely";
import type { Clock } from "../clock.js";
import { type AuditRecordFields, auditHash } from "../domain/audit-chain.js";
import { takeSqliteWriteLock } from "./dialect.js";
import type { Schema } from "./schema.js";

export interface AuditEntry {
  actor: string;
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  reason?: string | null;
  requestId?: string | null;
  /** Structured detail. Never a secret: the hash of a secret at most. */
  data?: Record<string, unknown>;
}

export interface ChangeEntry {
  type: string;
  data: Record<string, unknown>;
}

/** What a unit of work can do besides querying through `trx`. */
export interface UnitOfWork {
  trx: Transaction<Schema>;
  /** The time of this change, read once so every row of the change agrees. */
  now: number;
  /** Appends a change-log entry and returns its sequence number. */
  appendChange(entry: ChangeEntry): Promise<number>;
  /**
   * Appends entries in order with one sequence reservation and batched inserts (bulk changes
   * such as a campaign's thousands of rotations); returns their sequence numbers.
   */
  appendChanges(entries: readonly ChangeEntry[]): Promise<number[]>;
  /** Appends a hash-chained audit record and returns its sequence number. */
  appendAudit(entry: AuditEntry): Promise<number>;
}

/** A change-log row as written, handed to whoever listens for commits on a database. */
export interface CommittedChange {
  seq: number;
  at: number;
  type: string;
  /** The stored JSON text. */
  data: string;
}

/** Hears the change-log rows of each committed unit of work. */
export type CommitListener = (rows: CommittedChange[]) => void;

/**
 * Where a unit of work runs, and who hears of its commit: `createAuthority` passes the change
 * feed (`feed.offerCommitted`), which broadcasts the rows from memory instead of reading them
 * back (a read queued behind other queries was the slow tail of revocation propagation).
 * `commitListener` is required, so a writer that leaves the feed out says so (`undefined`:
 * audit-only units, tools and tests without a feed).
 */
export interface UnitOfWorkTarget {
  db: Kysely<Schema>;
  clock: Clock;
  commitListener: CommitListener | undefined;
}

/** Rows per multi-row change-log insert: 4 parameters each stays far below driver limits. */
const CHANGE_INSERT_BATCH = 500;

async function nextSequence(trx: Transaction<Schema>, name: SequenceName, count = 1) {
  const row = await trx
    .updateTable("sequences")
    .set((eb) => ({ value: eb("value", "+", count) }))
    .where("name", "=", name)
    .returning(["value", "last_hash"])
    .executeTakeFirstOrThrow();
  return { seq: Number(row.value), lastHash: row.last_hash };
}

type SequenceName = "change" | "audit";

/**
 * A unit of work's view of the change and audit sequences. The first reservation of each
 * takes its row lock (UPDATE ... RETURNING, held until commit); later ones in the same unit
 * count in memory, and `writeBack` stores where they ended before the commit. A unit that
 * appends many entries (a group commit of grants, a bulk change) writes each row twice, not
 * once per entry.
 */
function unitSequences(trx: Transaction<Schema>) {
  const held = new Map<SequenceName, { value: number; lastHash: string | null; moved: boolean }>();
  return {
    /** Reserves `count` numbers and returns the last, with the audit chain's hash before it. */
    async reserve(name: SequenceName, count = 1): Promise<{ seq: number; lastHash: string | null }> {
      const current = held.get(name);
      if (!current) {
        const { seq, lastHash } = await nextSequence(trx, name, count);
        held.set(name, { value: seq, lastHash, moved: false });
        return { seq, lastHash };
      }
      current.value += count;
      current.moved = true;
      return { seq: current.value, lastHash: current.lastHash };
    },
    /** The audit chain's newest hash, written back with the sequence. */
    chain(hash: string): void {
      const audit = held.get("audit");
      if (!audit) throw new Error("an audit hash is chained only after reserving its sequence number");
      audit.lastHash = hash;
      audit.moved = true;
    },
    async writeBack(): Promise<void> {
      for (const [name, { value, lastHash, moved }] of held) {
        if (!moved) continue;
        await trx.updateTable("sequences").set({ value, last_hash: lastHash }).where("name", "=", name).execute();
      }
    },
  };
}

/**
 * Runs `work` in one transaction. Everything it writes, including change-log and audit
 * entries, commits together or not at all.
 */
export async function runUnitOfWork<T>(
  { db, clock, commitListener }: UnitOfWorkTarget,
  work: (unit: UnitOfWork) => Promise<T>,
): Promise<T> {
  const written: CommittedChange[] = [];
  const result = await db.transaction().execute(async (trx) => {
    await takeSqliteWriteLock(trx);
    const now = clock.now();
    const sequences = unitSequences(trx);
    const unit: UnitOfWork = {
      trx,
      now,
      async appendChange(entry) {
        const { seq } = await sequences.reserve("change");
        const row = { seq, at: now, type: entry.type, data: JSON.stringify(entry.data) };
        await trx.insertInto("change_log").values(row).execute();
        written.push(row);
        return seq;
      },
      async appendChanges(entries) {
        if (entries.length === 0) return [];
        const { seq: last } = await sequences.reserve("change", entries.length);
        const first = last - entries.length + 1;
        const seqs = entries.map((_, i) => first + i);
        for (let start = 0; start < entries.length; start += CHANGE_INSERT_BATCH) {
          const rows = entries.slice(start, start + CHANGE_INSERT_BATCH).map((entry, i) => ({
            seq: first + start + i,
            at: now,
            type: entry.type,
            data: JSON.stringify(entry.data),
          }));
          await trx.insertInto("change_log").values(rows).execute();
          written.push(...rows);
        }
        return seqs;
      },
      async appendAudit(entry) {
        const { seq, lastHash } = await sequences.reserve("audit");
        const fields: AuditRecordFields = {
          seq,
          at: now,
          actor: entry.actor,
          action: entry.action,
          target_type: entry.targetType ?? null,
          target_id: entry.targetId ?? null,
          reason: entry.reason ?? null,
          request_id: entry.requestId ?? null,
          data: JSON.stringify(entry.data ?? {}),
          prev_hash: lastHash ?? "",
        };
        const hash = auditHash(fields);
        await trx
          .insertInto("audit_log")
          .values({ ...fields, hash })
          .execute();
        sequences.chain(hash);
        return seq;
      },
    };
    const result = await work(unit);
    await sequences.writeBack();
    return result;
  });
  if (written.length > 0) commitListener?.(written);
  return result;
}
