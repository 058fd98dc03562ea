const counts = new Uint32Array(65536);
const order = new Uint16Array(65536);

/**
 * Shannon entropy in bits per character. Random base62 scores about 5.95 for long strings;
 * English words and identifiers score 2.5 to 3.5.
 */
export function shannonEntropy(text: string): number {
  if (text.length === 0) return 0;
  // Counts live in one preallocated table (no map per call); characters are summed in the order
  // of their first occurrence, so the result does not depend on how they are counted.
  let distinct = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (counts[c] === 0) order[distinct++] = c;
    counts[c] = (counts[c] as number) + 1;
  }
  let bits = 0;
  for (let k = 0; k < distinct; k++) {
    const c = order[k] as number;
    const p = (counts[c] as number) / text.length;
    counts[c] = 0;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** Number of distinct character classes (lower, upper, digit, other) present in `text`. */
export function characterClasses(text: string): number {
  let lower = 0;
  let upper = 0;
  let digit = 0;
  let other = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 97 && c <= 122) lower = 1;
    else if (c >= 65 && c <= 90) upper = 1;
    else if (c >= 48 && c <= 57) digit = 1;
    else other = 1;
  }
  return lower + upper + digit + other;
}
