/**
 * Splitting long lists for statements: an `in (...)` list or a multi-row insert stays far below
 * SQLite's and PostgreSQL's parameter limits when cut into batches.
 */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Runs `read` over `items` in batches of `size`, one after another, and joins what each returned. */
export async function readInChunks<T, R>(
  items: readonly T[],
  size: number,
  read: (batch: T[]) => Promise<R[]>,
): Promise<R[]> {
  const out: R[] = [];
  for (const batch of chunks(items, size)) out.push(...(await read(batch)));
  return out;
}
