/**
 * The audit chain: each record's hash covers its own fields and the previous record's hash,
 * so editing, deleting or reordering any record breaks every hash after it.
 * Pure functions, shared by the writer, `tessera audit verify` and offline verification
 * of an exported file.
 */
import { createHash } from "node:crypto";
import type { AuditLogTable } from "../db/schema.js";

/**
 * The fields of an audit record that the hash covers, exactly as stored (the row minus its own
 * hash; `data` is JSON text, hashed as stored so that re-serialisation can never change it).
 */
export type AuditRecordFields = Omit<AuditLogTable, "hash">;

/** An audit record as stored and exported. */
export type AuditRecord = AuditLogTable;

/** SHA-256 (hex) over a fixed-order JSON array of the record's fields. */
export function auditHash(fields: AuditRecordFields): string {
  const canonical = JSON.stringify([
    fields.seq,
    fields.at,
    fields.actor,
    fields.action,
    fields.target_type,
    fields.target_id,
    fields.reason,
    fields.request_id,
    fields.data,
    fields.prev_hash,
  ]);
  return createHash("sha256").update(canonical).digest("hex");
}

export type ChainProblemKind = "edited" | "deleted" | "reordered" | "broken_link" | "head_mismatch";

export interface ChainProblem {
  kind: ChainProblemKind;
  seq: number;
  message: string;
}

export interface ChainVerification {
  ok: boolean;
  records: number;
  /** Hash of the last record: publish or store it elsewhere to detect truncation later. */
  head: string;
  problems: ChainProblem[];
}

/**
 * Walks records in the order given and reports every problem found (up to `maxProblems`).
 * - edited: a record's hash does not match its fields;
 * - deleted: a sequence number is missing;
 * - reordered: sequence numbers go backwards;
 * - broken_link: a record's prev_hash is not the previous record's hash.
 * `expectedHead` (the hash of the last record, recorded elsewhere) also detects records
 * removed from the end, which no chain can show by itself.
 */
export class ChainVerifier {
  private previous: AuditRecord | null = null;
  private count = 0;
  readonly problems: ChainProblem[] = [];

  /**
   * @param genesis the `prev_hash` the first record must carry: 64 zeros, or the anchor hash
   *   when older records were deleted by retention
   * @param firstSeq the sequence number of the first record (1, or the anchor's + 1)
   */
  constructor(
    private readonly genesis: string,
    private readonly maxProblems = 100,
    private readonly firstSeq = 1,
  ) {}

  private report(kind: ChainProblemKind, seq: number, message: string): void {
    if (this.problems.length < this.maxProblems) this.problems.push({ kind, seq, message });
  }

  add(record: AuditRecord): void {
    this.count++;
    if (auditHash(record) !== record.hash) {
      this.report("edited", record.seq, `record ${record.seq} does not match its hash: it was edited`);
    }
    const prev = this.previous;
    const expectedSeq = prev ? prev.seq + 1 : this.firstSeq;
    if (record.seq < expectedSeq) {
      this.report("reordered", record.seq, `record ${record.seq} comes after record ${prev?.seq}: out of order`);
    } else if (record.seq > expectedSeq) {
      const missing = record.seq - expectedSeq;
      this.report(
        "deleted",
        expectedSeq,
        `record${missing > 1 ? `s ${expectedSeq}-${record.seq - 1} are` : ` ${expectedSeq} is`} missing: deleted`,
      );
    }
    const expectedPrev = prev ? prev.hash : this.genesis;
    if (record.prev_hash !== expectedPrev && record.seq === expectedSeq) {
      this.report("broken_link", record.seq, `record ${record.seq} does not link to the record before it`);
    }
    this.previous = record;
  }

  finish(expectedHead?: string): ChainVerification {
    const head = this.previous?.hash ?? this.genesis;
    if (expectedHead !== undefined && expectedHead !== head) {
      this.report(
        "head_mismatch",
        this.previous?.seq ?? 0,
        "the last record is not the expected head: records were removed from the end or added after it",
      );
    }
    return { ok: this.problems.length === 0, records: this.count, head, problems: this.problems };
  }
}
