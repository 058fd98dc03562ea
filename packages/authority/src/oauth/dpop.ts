/**
 * DPoP (RFC 9449) at the token endpoint: the proof is checked by the verifier library's
 * `verifyDpopProof` (one implementation for both sides); replays are refused through a table
 * with a unique key per proof, so a proof accepted by one authority instance is refused by
 * every other; server nonces are stateless (an HMAC of a time window under a key derived from
 * the master key), so they too work across instances without shared state.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { verifyDpopProof } from "@tessera/verifier";
import type { ServiceContext } from "../context.js";
import { invalidRequest, OAuthError } from "./errors.js";
import type { OAuthRequestFacts } from "./request-facts.js";

/** A nonce is valid in the window it was issued in and the next one. */
const NONCE_WINDOW_MS = 5 * 60_000;
/** Expired replay entries are deleted at most this often. */
const PRUNE_INTERVAL_MS = 60_000;

export function createDpopChecker(ctx: ServiceContext) {
  const { db, clock, config } = ctx;
  const nonceKey = config.masterKey.derive("dpop-nonce");
  let lastPrune = 0;

  function nonceFor(window: number): string {
    const mac = createHmac("sha256", nonceKey).update(String(window)).digest().subarray(0, 18);
    return `${window.toString(36)}.${mac.toString("base64url")}`;
  }

  /** The nonce clients should use now (sent in `DPoP-Nonce`). */
  function currentNonce(): string {
    return nonceFor(Math.floor(clock.now() / NONCE_WINDOW_MS));
  }

  function nonceValid(nonce: string | undefined): boolean {
    if (typeof nonce !== "string" || nonce.length > 64) return false;
    const window = Math.floor(clock.now() / NONCE_WINDOW_MS);
    for (const candidate of [window, window - 1]) {
      const expected = Buffer.from(nonceFor(candidate));
      const given = Buffer.from(nonce);
      if (expected.length === given.length && timingSafeEqual(expected, given)) return true;
    }
    return false;
  }

  async function prune(now: number) {
    if (now - lastPrune < PRUNE_INTERVAL_MS) return;
    lastPrune = now;
    await db.deleteFrom("oauth_dpop_proofs").where("expires_at", "<", now).execute();
  }

  /**
   * Checks the request's DPoP proof for `method path` at this authority. Returns the key
   * thumbprint, or null when the request has no proof. Throws `invalid_dpop_proof` or
   * `use_dpop_nonce`.
   */
  async function check(request: Pick<OAuthRequestFacts, "method" | "dpop">, path: string): Promise<string | null> {
    const raw = request.dpop;
    if (raw === undefined) return null;
    if (typeof raw !== "string" || raw.includes(",")) throw invalidRequest("send exactly one DPoP header");
    const now = clock.now();
    const result = verifyDpopProof({
      proof: raw,
      method: request.method,
      url: `${config.issuer}${path}`,
      now: Math.floor(now / 1000),
      maxAgeSeconds: Math.floor(config.dpopProofWindowMs / 1000),
      ...(config.dpopNonceRequired ? { nonce: nonceValid } : {}),
    });
    if (!result.ok) {
      if (result.reason === "nonce_required" || result.reason === "wrong_nonce") {
        throw new OAuthError("use_dpop_nonce", "the DPoP proof must carry the server's nonce", {
          headers: { "dpop-nonce": currentNonce() },
        });
      }
      throw new OAuthError("invalid_dpop_proof", `the DPoP proof is not acceptable (${result.reason})`);
    }
    await prune(now);
    const key = createHash("sha256").update(`${result.jkt}:${result.jti}`).digest("base64url");
    const inserted = await db
      .insertInto("oauth_dpop_proofs")
      .values({ key, expires_at: result.replayUntil * 1000 })
      .onConflict((oc) => oc.column("key").doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) {
      throw new OAuthError("invalid_dpop_proof", "the DPoP proof was already used (replay)");
    }
    return result.jkt;
  }

  return { check, currentNonce, nonceRequired: config.dpopNonceRequired };
}

export type DpopChecker = ReturnType<typeof createDpopChecker>;
