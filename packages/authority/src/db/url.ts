/**
 * Database URLs: which store a URL names, and what went wrong when it cannot be reached, said in
 * words that point at the fix (with the password removed). `mysql://...` used to become a SQLite
 * file named `./mysql:/...`, and a wrong PostgreSQL user gave "database migration unknown failed".
 */
import { TesseraError } from "../errors.js";

export type DatabaseKind = "postgres" | "sqlite";

const EXAMPLES = "a SQLite path (./data/tessera.db, sqlite:/var/lib/tessera.db) or postgres://user@host:5432/database";

/** The store a URL names; throws `database_url_invalid` for any other scheme. */
export function databaseKind(url: string): DatabaseKind {
  if (/^postgres(ql)?:\/\//i.test(url)) return "postgres";
  if (/^(sqlite|file):/i.test(url)) return "sqlite";
  // Anything else that looks like `scheme:` (but not a Windows drive letter) is not ours.
  const scheme = /^([a-z][a-z0-9+.-]+):/i.exec(url)?.[1];
  if (scheme !== undefined) {
    throw new TesseraError("database_url_invalid", `unsupported database URL scheme "${scheme}:": use ${EXAMPLES}`, {
      details: { scheme },
    });
  }
  if (url.trim() === "") throw new TesseraError("database_url_invalid", `the database URL is empty: use ${EXAMPLES}`);
  return "sqlite";
}

/** The URL with its password replaced, for messages and logs. */
export function redactDatabaseUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, "$1***@");
}

/**
 * A PostgreSQL connection failure as `database_unavailable`, naming what failed (refused,
 * unknown host, authentication, database missing) and where; null when `error` is not one.
 */
export function describeConnectionFailure(error: unknown, url: string): TesseraError | null {
  const code = (error as { code?: string } | undefined)?.code;
  const where = redactDatabaseUrl(url);
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  const user = decodeURIComponent(parsed?.username ?? "") || "(default user)";
  const database = decodeURIComponent(parsed?.pathname.replace(/^\//, "") ?? "") || "(default database)";
  const explain: Record<string, string> = {
    ECONNREFUSED: "connection refused: is PostgreSQL running and listening on that host and port?",
    ENOTFOUND: "the host name does not resolve",
    EAI_AGAIN: "the host name could not be resolved (DNS)",
    ETIMEDOUT: "the connection timed out",
    EHOSTUNREACH: "the host is unreachable",
    "28P01": `authentication failed for user ${user}: check the user and password`,
    "28000": `user ${user} may not connect: check pg_hba.conf and the user name`,
    "3D000": `database ${database} does not exist: create it (createdb ${database}) or fix the name`,
    "57P03": "the server is starting up or shutting down: try again shortly",
  };
  const reason = code === undefined ? undefined : explain[code];
  if (reason === undefined) return null;
  return new TesseraError("database_unavailable", `cannot use the database at ${where}: ${reason}`, {
    cause: error,
    details: { reason: code },
  });
}
