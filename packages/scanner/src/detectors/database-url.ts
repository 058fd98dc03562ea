import type { Detector, DetectorMatch, KeywordHit } from "../types.js";
import { isPlaceholder } from "./placeholders.js";

const SCHEME = /(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|rediss?|amqps?)$/i;
const USERINFO = /([^\s:@/'"`<>]{0,128}):([^\s@/'"`<>]{1,256})@(?=[A-Za-z0-9[])/y;
/** Passwords that are defaults of local development setups, not leaks. */
const DEFAULT_PASSWORDS = new Set([
  "password",
  "pass",
  "passwd",
  "secret",
  "root",
  "admin",
  "postgres",
  "mysql",
  "guest",
  "test",
  "redis",
  "mongo",
  "user",
  "pwd",
]);

/**
 * Connection URLs with a password: PostgreSQL, MySQL/MariaDB, MongoDB (+srv), Redis and AMQP.
 * The secret is the password; the preview shows the scheme and user. Template variables,
 * placeholders, well-known development defaults and passwords equal to the user are ignored.
 */
export const databaseUrlDetector: Detector = {
  id: "database-url",
  description: "Database or message-broker URL with a password",
  keywords: ["://"],
  priority: 10,
  detect(text: string, hits: readonly KeywordHit[]): DetectorMatch[] {
    const matches: DetectorMatch[] = [];
    for (const hit of hits) {
      const scheme = SCHEME.exec(text.slice(Math.max(0, hit.start - 11), hit.start));
      if (scheme === null) continue;
      USERINFO.lastIndex = hit.start + 3;
      const userinfo = USERINFO.exec(text);
      if (userinfo === null) continue;
      const user = userinfo[1] as string;
      const password = userinfo[2] as string;
      if (password.length < 4 || password === user || DEFAULT_PASSWORDS.has(password.toLowerCase())) continue;
      if (isPlaceholder(password) || /^\*+$/.test(password)) continue;
      const start = hit.start + 3 + user.length + 1;
      matches.push({
        start,
        end: start + password.length,
        secret: password,
        label: `${scheme[0]}://${user}:`,
      });
    }
    return matches;
  },
};
