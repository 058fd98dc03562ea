/**
 * One JSON line per event. Entries are built from chosen fields only (method, path without its
 * query, status, outcome, error codes), never from headers or query strings, so a credential
 * cannot reach the log.
 * @module
 */
import type { Writable } from "node:stream";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, string | number | boolean | null | undefined>;
export type Logger = (level: LogLevel, message: string, fields?: LogFields) => void;

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** A logger writing JSON lines at `level` and above to `stream`. */
export function createLogger(stream: Writable, level: LogLevel = "info"): Logger {
  return (entryLevel, message, fields = {}) => {
    if (ORDER[entryLevel] < ORDER[level]) return;
    stream.write(`${JSON.stringify({ time: new Date().toISOString(), level: entryLevel, msg: message, ...fields })}\n`);
  };
}

export const silentLogger: Logger = () => {};
