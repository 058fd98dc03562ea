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
