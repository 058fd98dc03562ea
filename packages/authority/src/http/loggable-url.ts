/**
 * What of a URL may be logged: the path without its query string, with any run of 32 or more
 * token characters masked. No secret belongs in a URL, but a client may put one there anyway
 * (ids are at most 24 characters, so they stay readable).
 */
export function loggableUrl(url: string | undefined): string {
  const path = (url ?? "").split("?")[0] ?? "";
  return path.replace(/[A-Za-z0-9_-]{32,}/g, "[redacted]");
}
