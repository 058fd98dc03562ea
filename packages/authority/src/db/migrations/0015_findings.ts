/**
 * Findings and detectors (issue 13).
 *
 * - `findings`: what a detector saw, with its evidence; one open finding per `dedupe_key`
 *   (a partial unique index), updated by repeated detections instead of opening new ones.
 * - `detector_settings`: each detector's mode (off, alert, suspend, revoke), learning period and
 *   parameters, when changed from the defaults.
 * - `finding_known`: the networks and user agents each key has been seen with, as the detectors
 *   learned them (their own record, independent of the usage store's retention and limits).
 * - `finding_key_state`: per key, when learning began and the rate baseline (an exponentially
 *   weighted mean and variance of verifications per minute).
 */
import { type Kysely, type Migration, sql } from "kysely";

export const findingsMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`create table findings (
      id text primary key,
      detector text not null,
      severity text not null,
      state text not null,
      dedupe_key text not null,
      key_id text,
      principal_id text,
      first_at bigint not null,
      last_at bigint not null,
      count bigint not null,
      evidence text not null,
      mode text not null,
      action text,
      action_sequence bigint,
      action_receipt text,
      note text,
      acknowledged_at bigint,
      acknowledged_by text,
      resolved_at bigint,
      resolved_by text,
      created_at bigint not null,
      updated_at bigint not null
    )`.execute(db);
    await sql`create unique index findings_open_by_dedupe on findings (dedupe_key) where state <> 'resolved'`.execute(
      db,
    );
    await sql`create index findings_by_created on findings (created_at, id)`.execute(db);
    await sql`create index findings_by_key on findings (key_id)`.execute(db);
    await sql`create table detector_settings (
      id text primary key,
      mode text not null,
      learning_period_ms bigint not null,
      params text not null,
      updated_at bigint not null,
      updated_by text not null
    )`.execute(db);
    await sql`create table finding_known (
      key_id text not null,
      dimension text not null,
      value text not null,
      first_seen bigint not null,
      primary key (key_id, dimension, value)
    )`.execute(db);
    await sql`create table finding_key_state (
      key_id text primary key,
      learning_since bigint not null,
      minute bigint not null,
      minute_count bigint not null,
      mean double precision not null,
      variance double precision not null,
      samples bigint not null
    )`.execute(db);
  },
};
