/** Helpers for campaign tests: an owner's export key pair, decrypting exports, a verifier replica. */
import { hashToken } from "@tessera/verifier";
import { Replica } from "@tessera/verifier/replica";
import { compactDecrypt, exportJWK, generateKeyPair, type JWK } from "jose";
import type { Authority } from "../../src/authority.js";
import type { ExportPayload } from "../../src/campaigns/recipients.js";

export interface Recipient {
  publicJwk: JWK;
  decrypt(jwe: string): Promise<ExportPayload>;
}

/** What an owner does: make a key pair, send only the public JWK, keep the private key. */
export async function recipient(curve: "X25519" | "P-256" = "X25519"): Promise<Recipient> {
  const { publicKey, privateKey } = await generateKeyPair("ECDH-ES+A256KW", { crv: curve });
  const publicJwk = await exportJWK(publicKey);
  return {
    publicJwk,
    async decrypt(jwe) {
      const { plaintext, protectedHeader } = await compactDecrypt(jwe, privateKey);
      if (protectedHeader.alg !== "ECDH-ES+A256KW" || protectedHeader.enc !== "A256GCM") {
        throw new Error(`unexpected JWE header ${JSON.stringify(protectedHeader)}`);
      }
      return JSON.parse(new TextDecoder().decode(plaintext)) as ExportPayload;
    },
  };
}

/** A verifier replica built from the whole change log, as a verifier following the feed would hold it. */
export async function replicaFromChangeLog(authority: Authority): Promise<Replica> {
  const replica = new Replica();
  const rows = await authority.database.db.selectFrom("change_log").selectAll().orderBy("seq").execute();
  for (const row of rows) replica.apply(row.type, JSON.parse(row.data));
  return replica;
}

/** How a verifier holding `replica` treats `secret`: accepted as active or deprecated, or absent. */
export function replicaState(replica: Replica, secret: string): "active" | "deprecated" | "absent" {
  const entry = replica.lookupKey(hashToken(secret));
  if (entry === undefined || typeof entry === "string") return "absent";
  return entry.deprecated === true ? "deprecated" : "active";
}

/** Every text value stored in every table, to look for plaintext secrets. */
export async function everythingStored(authority: Authority): Promise<string> {
  const db = authority.database.db;
  const tables = ["api_keys", "audit_log", "change_log", "campaigns", "campaign_keys", "campaign_exports"] as const;
  const dumps: string[] = [];
  for (const table of tables) dumps.push(JSON.stringify(await db.selectFrom(table).selectAll().execute()));
  return dumps.join("\n");
}
