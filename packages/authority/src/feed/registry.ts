/**
 * Verifier state shared by every authority instance: one `verifiers` row per verifier
 * process. The instance holding a verifier's feed connection inserts the row on connect and
 * refreshes `last_seen_at` every second; acks (which may reach any instance) raise
 * `applied_seq`. Writes are batched: acks arriving within a few milliseconds of each other are
 * written together (one statement per verifier, in parallel) and announced once.
 */
import type { Kysely } from "kysely";
import type { FeedSchema, VerifiersTable } from "./schema.js";

/** A verifier counts as connected while its instance has refreshed its row this recently. */
export const LIVE_MS = 5000;
const ACK_FLUSH_DELAY_MS = 2;

export interface VerifierRegistration {
  id: string;
  name: string;
  stalenessMs: number;
  /** The sequence it resumes from, when it resumes. */
  appliedSeq: number;
}

export interface RegistryOptions {
  db: Kysely<FeedSchema>;
  /** SQLite: batch writes in one transaction (a single writer, so no deadlocks; one fsync). */
  sqlite: boolean;
  instanceId: string;
  now(): number;
  /** Called after acks or disconnections were written (receipts re-check). */
  onWritten(): void;
  onError(error: unknown): void;
}

export function createVerifierRegistry(options: RegistryOptions) {
  const { db, instanceId, now } = options;
  const local = new Map<string, VerifierRegistration>();
  const acks = new Map<string, { seq: number; at: number }>();
  const disconnected = new Map<string, number>();
  let scheduled: NodeJS.Timeout | undefined;
  let flushing: Promise<void> = Promise.resolve();

  async function connect(registration: VerifierRegistration): Promise<void> {
    const at = now();
    local.set(registration.id, registration);
    disconnected.delete(registration.id);
    await db
      .insertInto("verifiers")
      .values({
        id: registration.id,
        name: registration.name,
        authority_instance: instanceId,
        staleness_ms: registration.stalenessMs,
        applied_seq: registration.appliedSeq,
        applied_at: null,
        connected: 1,
        connected_at: at,
        last_seen_at: at,
        disconnected_at: null,
      })
      .onConflict((oc) =>
        oc.column("id").doUpdateSet({
          name: registration.name,
          authority_instance: instanceId,
          staleness_ms: registration.stalenessMs,
          connected: 1,
          connected_at: at,
          last_seen_at: at,
          disconnected_at: null,
        }),
      )
      .execute();
  }

  function schedule(): void {
    if (scheduled) return;
    scheduled = setTimeout(() => {
      scheduled = undefined;
      void flush();
    }, ACK_FLUSH_DELAY_MS);
  }

  function ack(id: string, seq: number): void {
    const previous = acks.get(id);
    if (!previous || seq > previous.seq) acks.set(id, { seq, at: now() });
    schedule();
  }

  function disconnect(id: string): void {
    local.delete(id);
    disconnected.set(id, now());
    schedule();
  }

  async function write(): Promise<void> {
    if (acks.size === 0 && disconnected.size === 0) return;
    const batch = [...acks];
    const gone = [...disconnected];
    acks.clear();
    disconnected.clear();
    try {
      const write = (q: Kysely<FeedSchema>) => [
        ...batch.map(([id, { seq, at }]) =>
          q
            .updateTable("verifiers")
            .set({ applied_seq: seq, applied_at: at, last_seen_at: at })
            .where("id", "=", id)
            .where("applied_seq", "<", seq)
            .execute(),
        ),
        ...gone.map(([id, at]) =>
          q
            .updateTable("verifiers")
            .set({ connected: 0, disconnected_at: at })
            .where("id", "=", id)
            .where("authority_instance", "=", instanceId)
            .execute(),
        ),
      ];
      if (options.sqlite) {
        // One writer at a time anyway: one transaction (one fsync) for the whole batch.
        await db.transaction().execute(async (trx) => {
          await Promise.all(write(trx));
        });
      } else {
        // One statement per row, each its own transaction: holding one row lock at a time, a
        // batch cannot deadlock with another instance's batch or with touch().
        await Promise.all(write(db));
      }
      options.onWritten();
    } catch (error) {
      // Put them back (newer acks win) and try again on the next round.
      for (const [id, value] of batch) {
        const current = acks.get(id);
        if (!current || current.seq < value.seq) acks.set(id, value);
      }
      for (const [id, at] of gone) if (!local.has(id)) disconnected.set(id, at);
      options.onError(error);
    }
  }

  /** Writes pending acks and disconnections; one write at a time. */
  function flush(): Promise<void> {
    flushing = flushing.then(write);
    return flushing;
  }

  /** Marks this instance's connections as still alive. */
  async function touch(): Promise<void> {
    const ids = [...local.keys()];
    const at = now();
    for (let i = 0; i < ids.length; i += 500) {
      await db
        .updateTable("verifiers")
        .set({ last_seen_at: at })
        .where("id", "in", ids.slice(i, i + 500))
        .where("connected", "=", 1)
        .execute();
    }
  }

  /** Verifiers connected to any instance, as of `at`. */
  async function live(at = now()): Promise<VerifiersTable[]> {
    return db
      .selectFrom("verifiers")
      .selectAll()
      .where("connected", "=", 1)
      .where("last_seen_at", ">=", at - LIVE_MS)
      .orderBy("name")
      .orderBy("id")
      .execute();
  }

  async function rows(ids: string[]): Promise<VerifiersTable[]> {
    const out: VerifiersTable[] = [];
    for (let i = 0; i < ids.length; i += 500) {
      out.push(
        ...(await db
          .selectFrom("verifiers")
          .selectAll()
          .where("id", "in", ids.slice(i, i + 500))
          .execute()),
      );
    }
    return out;
  }

  return {
    connect,
    ack,
    disconnect,
    flush,
    touch,
    live,
    rows,
    isLocal: (id: string) => local.has(id),
    async close(): Promise<void> {
      if (scheduled) clearTimeout(scheduled);
      scheduled = undefined;
      for (const id of local.keys()) disconnected.set(id, now());
      local.clear();
      await flush();
    },
  };
}

export type VerifierRegistry = ReturnType<typeof createVerifierRegistry>;
