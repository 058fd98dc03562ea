/**
 * The revoked keys the table remembers, oldest first: a ring of (record, generation) pairs that
 * grows up to `max` and then forgets the oldest. A record's generation changes when the record
 * is removed or un-revoked, so an entry for a record that changed since is skipped, not acted on.
 * @module
 */
export class RevokedRing {
  private ring = new Int32Array(0);
  private start = 0;
  private count = 0;

  constructor(private readonly max: number) {}

  /**
   * Remembers `record` (at `generation`). When full, first forgets the oldest entry, calling
   * `forget(record, generation)` so that the owner can drop it if it is still that revocation.
   */
  add(record: number, generation: number, forget: (record: number, generation: number) => void): void {
    let size = this.ring.length >>> 1;
    if (this.count === size) {
      if (size < this.max) {
        size = this.grow(size);
      } else {
        const at = this.start * 2;
        forget(this.ring[at] as number, (this.ring[at + 1] as number) >>> 0);
        this.start = (this.start + 1) % size;
        this.count--;
      }
    }
    const at = ((this.start + this.count) % size) * 2;
    this.ring[at] = record;
    this.ring[at + 1] = generation;
    this.count++;
  }

  /** Doubles the ring (up to `max`), oldest first again; returns the new size. */
  private grow(size: number): number {
    const grown = new Int32Array(Math.min(this.max, Math.max(1024, size * 2)) * 2);
    for (let i = 0; i < this.count; i++) {
      const from = ((this.start + i) % size) * 2;
      grown[i * 2] = this.ring[from] as number;
      grown[i * 2 + 1] = this.ring[from + 1] as number;
    }
    this.ring = grown;
    this.start = 0;
    return grown.length >>> 1;
  }
}
