/**
 * Shared Signals (SSF 1.0) transmitter streams (issue 16).
 *
 * - `ssf_streams`: one receiver's stream: audience, delivery (poll, or push to an endpoint), the
 *   events it asked for, its status, and `cursor_seq`, how far into the change log its events
 *   have been written out. A stream's events are made from change-log entries after the stream
 *   was created, in the transaction that moves its cursor, so none is lost or made twice.
 * - `ssf_subjects`: subjects a receiver added (RFC 9493 identifiers as canonical JSON); with
 *   none, a stream gets the events of every subject (the configuration's `default_subjects`).
 * - `ssf_signing_keys`: an RSA key for streams whose receivers need RS256.
 * - `ssf_outbox`: signed SETs waiting for the receiver: polled and acknowledged (RFC 8936), or
 *   pushed with retries (RFC 8935). A row is deleted once acknowledged or accepted.
 */
import { type Kysely, type Migration, sql } from "kysely";

export const ssfMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`create table ssf_streams (
      id text primary key,
      audience text not null,
      delivery_method text not null,
      endpoint_url text,
      authorization_header_enc text,
      events_requested text not null,
      events_delivered text not null,
      description text,
      status text not null,
      status_reason text,
      signing_alg text not null,
      cursor_seq bigint not null,
      created_at bigint not null,
      created_by text not null,
      updated_at bigint not null
    )`.execute(db);
    await sql`create table ssf_subjects (
      stream_id text not null,
      subject text not null,
      added_at bigint not null,
      primary key (stream_id, subject)
    )`.execute(db);
    await sql`create table ssf_outbox (
      jti text primary key,
      stream_id text not null,
      event_type text not null,
      change_seq bigint,
      set_jwt text not null,
      attempts integer not null,
      next_attempt_at bigint not null,
      last_error text,
      created_at bigint not null
    )`.execute(db);
    await sql`create index ssf_outbox_stream on ssf_outbox (stream_id, created_at)`.execute(db);
    // Keys for receivers that cannot verify EdDSA (a stream's signing_alg RS256): one per
    // algorithm, made on first use, the private key sealed under the master key.
    await sql`create table ssf_signing_keys (
      alg text primary key,
      kid text not null,
      private_key_enc text not null,
      public_jwk text not null,
      created_at bigint not null
    )`.execute(db);
    await sql`create index ssf_outbox_due on ssf_outbox (next_attempt_at)`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    await sql`drop table ssf_signing_keys`.execute(db);
    await sql`drop table ssf_outbox`.execute(db);
    await sql`drop table ssf_subjects`.execute(db);
    await sql`drop table ssf_streams`.execute(db);
  },
};
