/**
 * Per record, whatever the key table's owner caches for it (the verification result), cleared
 * on any change to the record. Held in chunks of 4,096 records, each made on the first value
 * stored in it: a table of 610,000 keys of which a few thousand are verified holds a few
 * chunks, not a 610,000-slot array that every full garbage collection walks (25 such tables in
 * one process made each full collection about 40 ms of marking, the tail of revocation
 * propagation in bench/verifier).
 * @module
 */
const CHUNK_BITS = 12;
const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;

export class RecordCache {
  private chunks: Array<unknown[] | undefined> = [];

  get(record: number): unknown {
    const chunk = this.chunks[record >>> CHUNK_BITS];
    return chunk === undefined ? undefined : chunk[record & CHUNK_MASK];
  }

  set(record: number, value: unknown): void {
    const index = record >>> CHUNK_BITS;
    let chunk = this.chunks[index];
    if (chunk === undefined) {
      chunk = new Array<unknown>(CHUNK).fill(undefined);
      this.chunks[index] = chunk;
    }
    chunk[record & CHUNK_MASK] = value;
  }

  /** Forgets the record's value; makes no chunk for a record that never had one. */
  clear(record: number): void {
    const chunk = this.chunks[record >>> CHUNK_BITS];
    if (chunk !== undefined) chunk[record & CHUNK_MASK] = undefined;
  }
}
