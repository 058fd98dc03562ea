/**
 * The usage store (issue 13): what verifiers report, kept per key and for the fleet.
 *
 * - `key_usage`: verifications per key, outcome and time bucket, at two granularities: `m`
 *   (minute buckets, kept TESSERA_USAGE_MINUTE_RETENTION) and `h` (hour buckets, kept
 *   TESSERA_USAGE_HOUR_RETENTION). Adding to a count is an upsert.
 * - `key_usage_seen`: the client addresses, their networks (/24, /48), user agents and routes
 *   each key was presented with: first seen, last seen, count; at most TESSERA_USAGE_SEEN_LIMIT
 *   per key and dimension (the least used are dropped first).
 * - `key_usage_dropped`: how many values a key's dimension has dropped, so a reader knows there
 *   were more than it sees.
 * - `fleet_usage`: verifications per outcome and minute/hour bucket over every key, including
 *   tokens that named no key (unknown, malformed), for dashboards.
 */
import { type Kysely, type Migration, sql } from "kysely";

export const usageMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`create table key_usage (
      key_id text not null,
      granularity text not null,
      bucket bigint not null,
      outcome text not null,
      count bigint not null,
      primary key (key_id, granularity, bucket, outcome)
    )`.execute(db);
    await sql`create index key_usage_by_bucket on key_usage (granularity, bucket)`.execute(db);
    await sql`create table key_usage_seen (
      key_id text not null,
      dimension text not null,
      value text not null,
      first_seen bigint not null,
      last_seen bigint not null,
      count bigint not null,
      primary key (key_id, dimension, value)
    )`.execute(db);
    await sql`create index key_usage_seen_by_last on key_usage_seen (last_seen)`.execute(db);
    await sql`create table key_usage_dropped (
      key_id text not null,
      dimension text not null,
      dropped bigint not null,
      primary key (key_id, dimension)
    )`.execute(db);
    await sql`create table fleet_usage (
      granularity text not null,
      bucket bigint not null,
      outcome text not null,
      count bigint not null,
      primary key (granularity, bucket, outcome)
    )`.execute(db);
  },
};
