/**
 * One access decision: the requirement (from `?scope=`, the rules file, or "any valid
 * credential"), the credential (bearer, or DPoP when the token is sender-constrained), the
 * verifier's answer, and the refusal in RFC 6750 form. Expected outcomes are values.
 *
 * Refusal reasons are handled by kind, not by name: every reason the verifier gives that is not
 * `stale` or `scope_insufficient` means "this credential is not valid" (401 `invalid_token`),
 * so a reason added later (such as `suspended`) is refused correctly without a change here.
 * @module
 */
import { type VerifiedCredential, type Verifier, verifyDpopProof } from "@tessera/verifier";
import type { UsageOutcome } from "@tessera/verifier/wire";
import type { RequestFacts } from "./request-facts.js";
import type { Requirement } from "./rules.js";

export type Decision =
  | { ok: true; outcome: "ok"; credential: VerifiedCredential }
  | { ok: true; outcome: "anonymous" }
  | {
      ok: false;
      /** The verifier's reason (`missing` and `dpop_invalid` included), or `no_rule`: no credential was checked. */
      outcome: UsageOutcome | "no_rule";
      status: 401 | 403 | 503;
      headers: Record<string, string>;
      body: { error: string; error_description: string };
      /** The credential's key id when it was recognised (revoked, expired...), for usage. */
      keyId?: string;
    };

export interface DecideContext {
  verifier: Pick<Verifier, "verify">;
  realm: string;
  /** DPoP proof ids seen, remembered until they expire (refuses replays). */
  seenProofs: Map<string, number>;
}

const CREDENTIAL = /^(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * Decides a request synchronously (the replica is in memory; a stale one fails closed, the
 * gateway never asks the authority online); never throws for bad input.
 */
export function decide(ctx: DecideContext, requirement: Requirement, facts: RequestFacts): Decision {
  if (requirement.kind === "anonymous") return { ok: true, outcome: "anonymous" };
  if (requirement.kind === "deny") {
    return refusal("no_rule", 403, {}, "access_denied", "no rule of this gateway allows this request");
  }
  const match = facts.authorization === undefined ? null : CREDENTIAL.exec(facts.authorization);
  if (!match) return refuse(ctx, "missing", "Bearer", requirement.scopes);
  const scheme = (match[1] as string).toLowerCase() === "dpop" ? "DPoP" : "Bearer";
  const token = match[2] as string;
  const options = {
    ...(requirement.scopes ? { scopes: requirement.scopes } : {}),
    ...(requirement.audience ? { audience: requirement.audience } : {}),
  };
  const result = ctx.verifier.verify(token, options);
  if (!result.ok) return refuse(ctx, result.reason, scheme, requirement.scopes);
  if (result.jkt !== undefined && !proofHolds(ctx, facts, scheme, token, result.jkt)) {
    return refuse(ctx, "dpop_invalid", "DPoP", requirement.scopes);
  }
  return { ok: true, outcome: "ok", credential: result };
}

/** The token an Authorization header presents (bearer or DPoP), or undefined. */
export function presentedToken(authorization: string | undefined): string | undefined {
  const match = authorization === undefined ? null : CREDENTIAL.exec(authorization);
  return match ? (match[2] as string) : undefined;
}

/** A sender-constrained token (RFC 9449): only the holder of its key may use it. */
function proofHolds(ctx: DecideContext, facts: RequestFacts, scheme: string, token: string, jkt: string): boolean {
  if (scheme !== "DPoP") return false;
  const now = Math.floor(Date.now() / 1000);
  let url: string;
  try {
    url = new URL(facts.uri, facts.origin).toString();
  } catch {
    return false;
  }
  const proof = verifyDpopProof({ proof: facts.dpop, method: facts.method, url, now, accessToken: token, jkt });
  return proof.ok && rememberProof(ctx.seenProofs, proof.jti, proof.replayUntil, now);
}

function rememberProof(seen: Map<string, number>, jti: string, until: number, now: number): boolean {
  const previous = seen.get(jti);
  if (previous !== undefined && previous >= now) return false;
  if (seen.size >= 100_000) for (const [id, expires] of seen) if (expires < now) seen.delete(id);
  if (seen.size >= 100_000) seen.delete(seen.keys().next().value as string);
  seen.set(jti, until);
  return true;
}

function refuse(
  ctx: DecideContext,
  reason: UsageOutcome,
  scheme: "Bearer" | "DPoP",
  scopes: readonly string[] | undefined,
): Extract<Decision, { ok: false }> {
  const realm = `realm="${ctx.realm}"`;
  if (reason === "stale") {
    return refusal(reason, 503, { "retry-after": "1" }, "temporarily_unavailable", "credentials cannot be checked now");
  }
  if (reason === "missing") {
    const challenge = { "www-authenticate": `Bearer ${realm}` };
    return refusal(reason, 401, challenge, "invalid_request", "send a credential as Authorization: Bearer <token>");
  }
  if (reason === "scope_insufficient") {
    const scope = scopes?.join(" ") ?? "";
    const challenge = { "www-authenticate": `${scheme} ${realm}, error="insufficient_scope", scope="${scope}"` };
    return refusal(reason, 403, challenge, "insufficient_scope", `this route requires: ${scope}`);
  }
  const error = reason === "dpop_invalid" ? "invalid_dpop_proof" : "invalid_token";
  const challenge = { "www-authenticate": `${scheme} ${realm}, error="${error}"` };
  return refusal(reason, 401, challenge, error, `the credential is not valid (${reason})`);
}

function refusal(
  outcome: UsageOutcome | "no_rule",
  status: 401 | 403 | 503,
  headers: Record<string, string>,
  error: string,
  description: string,
): Extract<Decision, { ok: false }> {
  return { ok: false, outcome, status, headers, body: { error, error_description: description } };
}
