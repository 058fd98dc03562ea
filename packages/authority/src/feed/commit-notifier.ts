/**
 * Wakes the feed of this instance when a local write commits, without waiting for a poll.
 * Every service writes through `runUnitOfWork`, i.e. `db.transaction().execute(...)`; the
 * database handed to services is wrapped so that a successful `execute` calls `onCommit`.
 * Other instances (and writers that bypass this wrapper) are covered by PostgreSQL
 * LISTEN/NOTIFY and by the feed's once-a-second poll.
 */
import type { Kysely } from "kysely";

export function notifyOnCommit<S>(db: Kysely<S>, onCommit: () => void): Kysely<S> {
  return new Proxy(db, {
    get(target, property) {
      if (property === "transaction") {
        return () => wrapBuilder(target.transaction(), onCommit);
      }
      const value = Reflect.get(target, property, target);
      // Kysely keeps its state in #private fields: methods must run with the real instance.
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

interface Builder {
  execute<T>(fn: (trx: never) => Promise<T>): Promise<T>;
  setIsolationLevel(level: never): Builder;
  setAccessMode?(mode: never): Builder;
}

function wrapBuilder<B extends object>(builder: B, onCommit: () => void): B {
  return new Proxy(builder, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      if (property === "execute") {
        return async (fn: unknown) => {
          const result = await (target as unknown as Builder).execute(fn as (trx: never) => Promise<unknown>);
          onCommit();
          return result;
        };
      }
      return (...args: unknown[]) => {
        const next = value.apply(target, args);
        // Builders are immutable: setIsolationLevel() and friends return a new one to wrap.
        return next && typeof next === "object" && "execute" in next ? wrapBuilder(next, onCommit) : next;
      };
    },
  });
}
