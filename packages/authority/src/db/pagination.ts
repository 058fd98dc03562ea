import { type SelectQueryBuilder, type SqlBool, sql } from "kysely";
import { validationFailed } from "../errors.js";

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

/** Cursor over (created_at, id) descending: stable while rows are inserted. */
export interface TimeIdCursor {
  at: number;
  id: string;
}

export function encodeCursor(cursor: TimeIdCursor): string {
  return Buffer.from(JSON.stringify([cursor.at, cursor.id])).toString("base64url");
}

export function decodeCursor(text: string): TimeIdCursor {
  try {
    const [at, id] = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as unknown[];
    if (typeof at === "number" && typeof id === "string") return { at, id };
  } catch {
    // fall through to the validation error
  }
  throw validationFailed("cursor is not a cursor this API returned", { field: "cursor" });
}

export function pageSize(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw validationFailed(`limit must be from 1 to ${MAX_PAGE_SIZE}`, { field: "limit" });
  }
  return limit;
}

/**
 * One page of a query over a table with `created_at` and `id`, newest first, continuing after
 * `cursor`. Fetches one row more than the page to know whether another page follows.
 */
export async function pageNewestFirst<DB, TB extends keyof DB, O extends { created_at: number; id: string }, T>(
  query: SelectQueryBuilder<DB, TB, O>,
  options: { limit?: number | undefined; cursor?: string | undefined },
  toItem: (row: O) => T,
): Promise<Page<T>> {
  const limit = pageSize(options.limit);
  let paged = query;
  if (options.cursor !== undefined) {
    const c = decodeCursor(options.cursor);
    paged = paged.where(sql<SqlBool>`(created_at < ${c.at} or (created_at = ${c.at} and id < ${c.id}))`);
  }
  const rows = await paged
    .orderBy(sql`created_at`, "desc")
    .orderBy(sql`id`, "desc")
    .limit(limit + 1)
    .execute();
  const items = rows.slice(0, limit).map(toItem);
  const last = rows.length > limit ? rows[limit - 1] : undefined;
  return { items, nextCursor: last ? encodeCursor({ at: last.created_at, id: last.id }) : null };
}
