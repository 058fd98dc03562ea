/**
 * Shared Signals receiver (issue 16): the transmitters Tessera trusts, and the SETs it has taken.
 *
 * - `ssf_transmitters`: an identity provider (or other transmitter) whose pushed SETs Tessera
 *   accepts: its issuer, where its keys are (a JWKS URL, or a JWKS kept here), the audience its
 *   SETs must name, and what to do to a user principal a revoking event is about.
 * - `ssf_received_sets`: the `jti` of every SET accepted, per issuer, until it is too old to be
 *   accepted anyway: a replay is refused (the primary key makes two instances agree).
 */
import { type Kysely, type Migration, sql } from "kysely";

export const ssfReceiverMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`create table ssf_transmitters (
      id text primary key,
      issuer text not null unique,
      jwks_uri text,
      jwks text,
      audience text not null,
      action text not null,
      description text,
      created_at bigint not null,
      created_by text not null
    )`.execute(db);
    await sql`create table ssf_received_sets (
      issuer text not null,
      jti text not null,
      received_at bigint not null,
      expires_at bigint not null,
      primary key (issuer, jti)
    )`.execute(db);
    await sql`create index ssf_received_sets_expiry on ssf_received_sets (expires_at)`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    await sql`drop table ssf_received_sets`.execute(db);
    await sql`drop table ssf_transmitters`.execute(db);
  },
};
