/**
 * Suspension and canary keys (issue 13).
 *
 * - `api_keys.suspended_at`, `suspended_by`, `suspended_reason`: a suspended key is refused
 *   everywhere (verifiers answer `suspended`) until it is resumed; the key keeps its status
 *   (active or deprecated), so resuming gives back exactly what it was.
 * - `api_keys.suspended_via`: the principal whose suspension suspended the key (null when the
 *   key was suspended by itself), so that resuming the principal resumes only those keys.
 * - `api_keys.canary`: 1 for a decoy key that grants nothing, answered as unknown and
 *   reported at once when used. Set at issue, never changed.
 * - `principals.suspended_at`, `suspended_reason`: a suspended principal (all its keys
 *   suspended; no new key may be issued to it until it is resumed).
 *
 * No key is suspended or a canary before this migration, so replicas need no fresh snapshot.
 */
import { type Kysely, type Migration, sql } from "kysely";

export const suspensionCanariesMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`alter table api_keys add column suspended_at bigint`.execute(db);
    await sql`alter table api_keys add column suspended_by text`.execute(db);
    await sql`alter table api_keys add column suspended_reason text`.execute(db);
    await sql`alter table api_keys add column suspended_via text`.execute(db);
    await sql`alter table api_keys add column canary integer not null default 0`.execute(db);
    await sql`alter table principals add column suspended_at bigint`.execute(db);
    await sql`alter table principals add column suspended_reason text`.execute(db);
  },
};
