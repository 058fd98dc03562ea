/**
 * The operator's admin key. It lives in memory and in sessionStorage only (never localStorage or
 * a cookie): closing the tab or signing out forgets it, and no other site's request carries it.
 */
const STORAGE_KEY = "tessera.adminKey";
let inMemory: string | null = null;

export function readAdminKey(): string | null {
  if (inMemory !== null) return inMemory;
  try {
    inMemory = sessionStorage.getItem(STORAGE_KEY);
  } catch {
    inMemory = null;
  }
  return inMemory;
}

export function rememberAdminKey(key: string): void {
  inMemory = key;
  try {
    sessionStorage.setItem(STORAGE_KEY, key);
  } catch {
    // Storage may be disabled; the key then lives for this page only.
  }
}

export function forgetAdminKey(): void {
  inMemory = null;
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // nothing stored
  }
}
