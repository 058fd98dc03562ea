/**
 * campaigns.created_scopes: the admin scopes of the key that created a campaign. The creator
 * chooses the selection and the export recipients, so execute refuses replacements holding an
 * admin scope the creator lacked (issue 11: no path may hand a caller a secret with a scope it
 * does not hold). Drafts created before this migration record none: executing one that selects
 * keys with admin scopes is refused; create it again.
 */
import { type Kysely, type Migration, sql } from "kysely";

export const campaignCreatorScopesMigration: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`alter table campaigns add column created_scopes text not null default '[]'`.execute(db);
  },
};
