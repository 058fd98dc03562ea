/**
 * When a read remembered in memory may still be answered: the change gate counts every change
 * this instance hears of, and a remembered read is good only while the count has not moved
 * since it was read. Every change to credential state is a unit of work that writes change-log
 * rows (DESIGN: one transaction with its audit record), so the gate hears:
 *   - this instance's commits, synchronously, before the request that made them is answered;
 *   - other writers' commits through the change feed: another process on the same SQLite file
 *     within a millisecond (SQLite's data_version, read at most once a millisecond: reading it
 *     takes a look at the WAL index, which cost a quarter of introspection's time when read on
 *     every lookup), another instance on PostgreSQL
 *     when this instance's feed hub reads them (NOTIFY, or its poll within a second), which
 *     is the freshness every verifier has. On PostgreSQL nothing is remembered while the hub
 *     is not running or has not read the change log for longer than a verifier's staleness
 *     bound: reads then go to the database, as they always did.
 */

/** What the gate needs from the rest of the authority. */
export interface ChangeGateSources {
  /** SQLite: a number that moves when another connection commits (data_version). */
  externalChanges?: () => number;
  /** PostgreSQL: when this instance's feed last read the change log (ms), or null when it is not running. */
  feedHeardAt?: () => number | null;
  now(): number;
}

/** How often SQLite's data_version is read at most. */
const EXTERNAL_CHECK_MS = 1;

/** Beyond this without the feed reading the change log, PostgreSQL reads skip memory (a verifier's default staleness). */
export const FEED_STALENESS_MS = 5_000;

export interface ChangeGate {
  /** The count of changes heard; a remembered read is good while it is unchanged. */
  generation(): number;
  /** Whether remembered reads may be answered now. */
  open(): boolean;
  /** A change was committed or read from the change log. */
  heard(): void;
}

export function createChangeGate(sources: ChangeGateSources): ChangeGate {
  let generation = 0;
  let external = sources.externalChanges?.() ?? 0;
  let externalCheckedAt = sources.now();
  return {
    generation(): number {
      if (sources.externalChanges) {
        const now = sources.now();
        if (now - externalCheckedAt >= EXTERNAL_CHECK_MS) {
          externalCheckedAt = now;
          const version = sources.externalChanges();
          if (version !== external) {
            external = version;
            generation++;
          }
        }
      }
      return generation;
    },
    open(): boolean {
      if (!sources.feedHeardAt) return true;
      const heardAt = sources.feedHeardAt();
      return heardAt !== null && sources.now() - heardAt <= FEED_STALENESS_MS;
    },
    heard(): void {
      generation++;
    },
  };
}
