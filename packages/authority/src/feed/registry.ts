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

/** A registry's pending writes and this instance's connections. */
interface RegistryState {
  readonly options: RegistryOptions;
  /** Verifiers connected to this instance. */
  readonly local: Map<string, VerifierRegistration>;
  /** Acks not yet written, the highest per verifier. */
  readonly acks: Map<string, { seq: number; at: number }>;
  /** Disconnections not yet written. */
  readonly disconnected: Map<string, number>;
  scheduled: NodeJS.Timeout | undefined;
  flushing: Promise<void>;
}

async function connectVerifier(state: RegistryState, registration: VerifierRegistration): Promise<void> {
  const { db, instanceId, now } = state.options;
  const at = now();
  state.local.set(registration.id, registration);
  state.disconnected.delete(registration.id);
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

function scheduleFlush(state: RegistryState): void {
  if (state.scheduled) return;
  state.scheduled = setTimeout(() => {
    state.scheduled = undefined;
    void flushRegistry(state);
  }, ACK_FLUSH_DELAY_MS);
}

function recordAck(state: RegistryState, id: string, seq: number): void {
  const previous = state.acks.get(id);
  if (!previous || seq > previous.seq) state.acks.set(id, { seq, at: state.options.now() });
  scheduleFlush(state);
}

function recordDisconnect(state: RegistryState, id: string): void {
  state.local.delete(id);
  state.disconnected.set(id, state.options.now());
  scheduleFlush(state);
}

/** The statements writing a batch of acks and disconnections, one per row. */
function batchStatements(
  q: Kysely<FeedSchema>,
  instanceId: string,
  batch: ReadonlyArray<[string, { seq: number; at: number }]>,
  gone: ReadonlyArray<[string, number]>,
): Array<Promise<unknown>> {
  return [
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
}

async function writePending(state: RegistryState): Promise<void> {
  const { options, acks, disconnected } = state;
  if (acks.size === 0 && disconnected.size === 0) return;
  const batch = [...acks];
  const gone = [...disconnected];
  acks.clear();
  disconnected.clear();
  try {
    if (options.sqlite) {
      // One writer at a time anyway: one transaction (one fsync) for the whole batch.
      await options.db.transaction().execute(async (trx) => {
        await Promise.all(batchStatements(trx, options.instanceId, batch, gone));
      });
    } else {
      // One statement per row, each its own transaction: holding one row lock at a time, a
      // batch cannot deadlock with another instance's batch or with touch().
      await Promise.all(batchStatements(options.db, options.instanceId, batch, gone));
    }
    options.onWritten();
  } catch (error) {
    // Put them back (newer acks win) and try again on the next round.
    for (const [id, value] of batch) {
      const current = acks.get(id);
      if (!current || current.seq < value.seq) acks.set(id, value);
    }
    for (const [id, at] of gone) if (!state.local.has(id)) disconnected.set(id, at);
    options.onError(error);
  }
}

/** Writes pending acks and disconnections; one write at a time. */
function flushRegistry(state: RegistryState): Promise<void> {
  state.flushing = state.flushing.then(() => writePending(state));
  return state.flushing;
}

/** Marks this instance's connections as still alive. */
async function touchLocal(state: RegistryState): Promise<void> {
  const ids = [...state.local.keys()];
  const at = state.options.now();
  for (let i = 0; i < ids.length; i += 500) {
    await state.options.db
      .updateTable("verifiers")
      .set({ last_seen_at: at })
      .where("id", "in", ids.slice(i, i + 500))
      .where("connected", "=", 1)
      .execute();
  }
}

/** Verifiers connected to any instance, as of `at`. */
async function liveVerifiers(db: Kysely<FeedSchema>, at: number): Promise<VerifiersTable[]> {
  return db
    .selectFrom("verifiers")
    .selectAll()
    .where("connected", "=", 1)
    .where("last_seen_at", ">=", at - LIVE_MS)
    .orderBy("name")
    .orderBy("id")
    .execute();
}

async function verifierRows(db: Kysely<FeedSchema>, ids: string[]): Promise<VerifiersTable[]> {
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

/** Every local connection ends: written as disconnected, with whatever else is pending. */
async function closeRegistry(state: RegistryState): Promise<void> {
  if (state.scheduled) clearTimeout(state.scheduled);
  state.scheduled = undefined;
  for (const id of state.local.keys()) state.disconnected.set(id, state.options.now());
  state.local.clear();
  await flushRegistry(state);
}

export function createVerifierRegistry(options: RegistryOptions) {
  const state: RegistryState = {
    options,
    local: new Map(),
    acks: new Map(),
    disconnected: new Map(),
    scheduled: undefined,
    flushing: Promise.resolve(),
  };
  return {
    connect: (registration: VerifierRegistration) => connectVerifier(state, registration),
    ack: (id: string, seq: number) => recordAck(state, id, seq),
    disconnect: (id: string) => recordDisconnect(state, id),
    flush: () => flushRegistry(state),
    touch: () => touchLocal(state),
    live: (at = options.now()) => liveVerifiers(options.db, at),
    rows: (ids: string[]) => verifierRows(options.db, ids),
    isLocal: (id: string) => state.local.has(id),
    close: () => closeRegistry(state),
  };
}

export type VerifierRegistry = ReturnType<typeof createVerifierRegistry>;
