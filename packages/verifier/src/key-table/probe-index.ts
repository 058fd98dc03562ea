/**
 * The primitives of the key table's two open-addressing indexes (by token hash, by key id):
 * linear probing, load <= 1/2, deletion by backward shift, so no tombstones. Slot s is the pair
 * [2s] = record + 1 (0: empty), [2s + 1] = the key's 32-bit hash, which is also where its probe
 * starts. Finding a slot compares keys, which only the table can do: it probes itself.
 * @module
 */

/** 32-bit hash of the key id `text[start, start + length)` (FNV-1a, then a finalizer so that nearby ids spread). */
export function hashId(text: string, start: number, length: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < start + length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/** Puts `record` with `hash` in the first empty slot of its probe run (it is known not to be there). */
export function insertEntry(index: Int32Array, mask: number, record: number, hash: number): void {
  let slot = hash & mask;
  while (index[slot << 1] !== 0) slot = (slot + 1) & mask;
  index[slot << 1] = record + 1;
  index[(slot << 1) + 1] = hash;
}

/** Empties the slot holding `record` and shifts later entries of its probe run back. */
export function unlinkEntry(index: Int32Array, mask: number, record: number, hash: number): void {
  let hole = hash & mask;
  while (index[hole << 1] !== record + 1) hole = (hole + 1) & mask;
  for (let slot = (hole + 1) & mask; index[slot << 1] !== 0; slot = (slot + 1) & mask) {
    const wanted = (index[(slot << 1) + 1] as number) & mask;
    // The entry at `slot` may fill the hole unless its home lies cyclically in (hole, slot].
    const stays = hole <= slot ? wanted > hole && wanted <= slot : wanted > hole || wanted <= slot;
    if (!stays) {
      index[hole << 1] = index[slot << 1] as number;
      index[(hole << 1) + 1] = index[(slot << 1) + 1] as number;
      hole = slot;
    }
  }
  index[hole << 1] = 0;
  index[(hole << 1) + 1] = 0;
}

/** Both indexes rebuilt at `slots` slots from the old ones, whose tags are the hashes: no digest or id is re-read. */
export function rebuildIndex(old: Int32Array, slots: number): Int32Array<ArrayBuffer> {
  const index = new Int32Array(slots * 2);
  const mask = slots - 1;
  for (let slot = 0; slot < old.length; slot += 2) {
    if (old[slot] !== 0) insertEntry(index, mask, (old[slot] as number) - 1, old[slot + 1] as number);
  }
  return index;
}
