/**
 * Upgrades recovery codes stored by versions before the keyed hash (a bare SHA-256 of a 50-bit
 * code, recoverable from a database dump by trying every code) to the keyed form, in place, at
 * start-up: it needs the master key, which migrations do not have. One transaction; rows
 * already upgraded are not read again. Codes keep working: the keyed form is computed over the
 * old digest.
 */
import type { Kysely } from "kysely";
import type { MasterKey } from "../crypto/master-key.js";
import type { Schema } from "../db/schema.js";
import { RECOVERY_HASH_PREFIX, upgradeStoredRecoveryCode } from "./recovery-codes.js";

/** Rewrites every version-1 recovery code hash; returns how many were upgraded. */
export async function upgradeRecoveryCodes(db: Kysely<Schema>, masterKey: MasterKey): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const legacy = await trx
      .selectFrom("totp_recovery_codes")
      .select(["principal_id", "code_hash"])
      .where("code_hash", "not like", `${RECOVERY_HASH_PREFIX}%`)
      .execute();
    for (const row of legacy) {
      await trx
        .updateTable("totp_recovery_codes")
        .set({ code_hash: upgradeStoredRecoveryCode(masterKey, row.code_hash) })
        .where("principal_id", "=", row.principal_id)
        .where("code_hash", "=", row.code_hash)
        .execute();
    }
    return legacy.length;
  });
}
