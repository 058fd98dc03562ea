/**
 * The RS256 key for streams whose receivers cannot verify EdDSA: made on first use (several
 * instances agree through the table's primary key: the first insert wins, the others read it),
 * its private key sealed under the master key, its public JWK published beside the OAuth keys
 * at the SSF `jwks_uri`.
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject, randomBytes } from "node:crypto";
import type { ServiceContext } from "../context.js";
import type { SsfSigningKeysTable } from "../db/schema-ssf.js";

const context = (kid: string) => `ssf-signing-key:${kid}`;

export interface RsaSigner {
  kid: string;
  privateKey: KeyObject;
  publicJwk: Record<string, unknown>;
}

async function loadRow(ctx: ServiceContext): Promise<SsfSigningKeysTable | undefined> {
  return ctx.db.selectFrom("ssf_signing_keys").selectAll().where("alg", "=", "RS256").executeTakeFirst();
}

async function ensureRow(ctx: ServiceContext): Promise<SsfSigningKeysTable> {
  const existing = await loadRow(ctx);
  if (existing) return existing;
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const kid = `ssf-rs256-${randomBytes(6).toString("base64url")}`;
  const der = privateKey.export({ format: "der", type: "pkcs8" });
  const row: SsfSigningKeysTable = {
    alg: "RS256",
    kid,
    private_key_enc: ctx.config.masterKey.encrypt(der, context(kid)),
    public_jwk: JSON.stringify({ ...publicKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" }),
    created_at: ctx.clock.now(),
  };
  await ctx.db
    .insertInto("ssf_signing_keys")
    .values(row)
    .onConflict((oc) => oc.column("alg").doNothing())
    .execute();
  return (await loadRow(ctx)) as SsfSigningKeysTable;
}

export function createRsaKey(ctx: ServiceContext) {
  let cached: RsaSigner | null = null;
  return {
    /** The signer, made (and stored) the first time a stream needs it. */
    async signer(): Promise<RsaSigner> {
      if (cached) return cached;
      const row = await ensureRow(ctx);
      const der = ctx.config.masterKey.decrypt(row.private_key_enc, context(row.kid));
      cached = {
        kid: row.kid,
        privateKey: createPrivateKey({ key: der, format: "der", type: "pkcs8" }),
        publicJwk: JSON.parse(row.public_jwk),
      };
      return cached;
    },
    /** The public JWK if the key exists (it is published only once made). */
    async publicJwk(): Promise<Record<string, unknown> | null> {
      const row = await loadRow(ctx);
      return row ? JSON.parse(row.public_jwk) : null;
    },
  };
}
