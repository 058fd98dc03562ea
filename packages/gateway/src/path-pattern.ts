/**
 * Path patterns of the rules file: `*` stands for one path segment (no `/`), a trailing `/**`
 * for the path itself and anything below it. Everything else matches literally.
 * @module
 */

const SPECIAL = /[.+?^${}()|[\]\\]/g;

/** Compiles `/orders/*` or `/admin/**` to an anchored regular expression. */
export function compilePathPattern(pattern: string): RegExp {
  let tail = "";
  let body = pattern;
  if (body === "/**") return /^\/.*$/s;
  if (body.endsWith("/**")) {
    body = body.slice(0, -3);
    tail = "(?:/.*)?";
  }
  const source = body
    .split("*")
    .map((part) => part.replace(SPECIAL, "\\$&"))
    .join("[^/]*");
  return new RegExp(`^${source}${tail}$`, "s");
}

/**
 * The path of a request URI, for rule matching and usage reports: the query dropped,
 * percent-encoding of unreserved characters decoded (so `/%6Frders` cannot dodge `/orders/**`),
 * and dot segments resolved (so `/public/../admin` is `/admin`). Null when it is not a path.
 */
export function normalizePath(uri: string): string | null {
  if (!uri.startsWith("/")) return null;
  // Most paths have nothing to resolve: no escapes, no dot segments, no backslashes.
  const query = uri.indexOf("?");
  const path = query === -1 ? uri : uri.slice(0, query);
  if (!/[%\\#]|\/\.|^\/\//.test(path)) return path;
  try {
    // The URL parser resolves dot segments (also percent-encoded ones) like every server does.
    // The path is appended, not resolved against a base, so `//x` stays a path; a `#` is data.
    const { pathname } = new URL(`http://gateway.invalid${path.replaceAll("#", "%23")}`);
    return pathname.replace(/%([0-9A-Fa-f]{2})/g, (encoded, hex: string) => {
      const char = String.fromCharCode(Number.parseInt(hex, 16));
      return /[A-Za-z0-9\-._~]/.test(char) ? char : encoded.toUpperCase();
    });
  } catch {
    return null;
  }
}
