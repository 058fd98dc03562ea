/**
 * Table types of the feed's own tables (migration 0002_verifiers), joined to the core schema
 * so feed code queries both through one typed Kysely.
 */
import type { Kysely } from "kysely";
import type { Schema } from "../db/schema.js";

export interface VerifiersTable {
  /** The verifier process's own instance id (random per process). */
  id: string;
  /** The name it registered, e.g. `checkout-1`: several processes may share one. */
  name: string;
  /** The authority instance holding its feed connection. */
  authority_instance: string;
  /** The staleness bound it declared: after this long without news it stops trusting its replica. */
  staleness_ms: number;
  /** The last change-log sequence it reported as applied. */
  applied_seq: number;
  /** When the ack that raised `applied_seq` arrived. */
  applied_at: number | null;
  /** 1 while a feed connection is open (as far as its authority instance knows), else 0. */
  connected: number;
  connected_at: number;
  /** Refreshed every second by the instance holding the connection: a dead instance's rows go stale. */
  last_seen_at: number;
  disconnected_at: number | null;
}

export interface ReceiptsTable {
  id: string;
  sequence: number;
  revoked_at: number;
  created_at: number;
  created_by: string;
  /** JSON: the verifiers live when the revocation committed, `[{ id, name, stalenessMs }]`. */
  targets: string;
  /** JSON: `{ [verifierId]: epoch ms at which its ack covering the sequence arrived }`. */
  confirmations: string;
  completed_at: number | null;
  updated_at: number;
}

export type FeedSchema = Schema & { verifiers: VerifiersTable; receipts: ReceiptsTable };

/** The same connection pool, typed with the feed's tables. */
export function feedDb(db: Kysely<Schema>): Kysely<FeedSchema> {
  return db as unknown as Kysely<FeedSchema>;
}
