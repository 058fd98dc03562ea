/**
 * What every framework adapter shares: option checks, the bearer/DPoP credential, the
 * decision, RFC 6750 `WWW-Authenticate` answers and usage recording. Adapters only translate
 * requests and responses.
 * @module
 */
import type { Verifier } from "../create-verifier.js";
import { verifyDpopProof } from "../dpop.js";
import type { VerifiedCredential, VerifyFailure } from "../types.js";

/**
 * Options of every middleware factory (`tesseraExpress`, `tesseraFastify`, `tesseraHono`,
 * `tesseraNodeHttp`), checked when the factory is called.
 * @example
 * const options: TesseraMiddlewareOptions = { verifier, scopes: ["orders:read"], audience: "orders-api" };
 * app.use(tesseraExpress(options));
 */
export interface TesseraMiddlewareOptions {
  /** A verifier from `createVerifier`. */
  verifier: Verifier;
  /** Scopes the route requires (all of them). */
  scopes?: readonly string[];
  /** The audience the credential must be meant for. */
  audience?: string;
  /** `realm` of `WWW-Authenticate` answers (default `tessera`). */
  realm?: string;
  /** Route label in usage reports (default: the request path). */
  route?: string;
  /** Public base URL of this service, for DPoP `htu` checks (default: `http://<Host header>`). */
  publicUrl?: string;
}

export interface CheckedOptions {
  verifier: Verifier;
  verifyOptions: { scopes?: readonly string[]; audience?: string };
  realm: string;
  route: string | undefined;
  publicUrl: string | undefined;
  seenProofs: Map<string, number>;
}

/** The facts of a request that the decision needs. */
export interface RequestFacts {
  authorization: string | undefined;
  dpop: string | undefined;
  method: string;
  /** Path and query as received. */
  path: string;
  host: string | undefined;
  address: string;
  userAgent: string;
}

export type Decision =
  | { ok: true; credential: VerifiedCredential }
  | {
      ok: false;
      reason: VerifyFailure;
      status: 401 | 403 | 503;
      headers: Record<string, string>;
      body: { error: string; error_description: string };
    };

const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** Validates middleware options when the factory is called (not on the first request). */
export function checkOptions(options: TesseraMiddlewareOptions, factory: string): CheckedOptions {
  if (typeof options !== "object" || options === null) throw new TypeError(`${factory}: options are required`);
  const { verifier } = options;
  if (!verifier || typeof verifier.authenticate !== "function" || typeof verifier.recordUsage !== "function") {
    throw new TypeError(`${factory}: options.verifier must come from createVerifier()`);
  }
  if (options.scopes !== undefined) {
    if (!Array.isArray(options.scopes) || !options.scopes.every((s) => typeof s === "string" && SCOPE_TOKEN.test(s))) {
      throw new TypeError(`${factory}: options.scopes must be an array of scope strings`);
    }
  }
  if (options.audience !== undefined && (typeof options.audience !== "string" || options.audience === "")) {
    throw new TypeError(`${factory}: options.audience must be a non-empty string`);
  }
  const realm = options.realm ?? "tessera";
  if (!/^[\x20\x21\x23-\x5b\x5d-\x7e]*$/.test(realm))
    throw new TypeError(`${factory}: options.realm has invalid characters`);
  if (options.publicUrl !== undefined) new URL(options.publicUrl);
  return {
    verifier,
    verifyOptions: {
      ...(options.scopes ? { scopes: Object.freeze([...options.scopes]) } : {}),
      ...(options.audience ? { audience: options.audience } : {}),
    },
    realm,
    route: options.route,
    publicUrl: options.publicUrl,
    seenProofs: new Map(),
  };
}

function credentialOf(authorization: string | undefined): { scheme: "bearer" | "dpop"; token: string } | null {
  if (typeof authorization !== "string") return null;
  const match = /^(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(authorization);
  if (!match) return null;
  return { scheme: (match[1] as string).toLowerCase() as "bearer" | "dpop", token: match[2] as string };
}

function refuse(
  o: CheckedOptions,
  reason: VerifyFailure,
  scheme: "Bearer" | "DPoP" = "Bearer",
): Exclude<Decision, { ok: true }> {
  if (reason === "stale") {
    return {
      ok: false,
      reason,
      status: 503,
      headers: { "retry-after": "1" },
      body: { error: "temporarily_unavailable", error_description: "credentials cannot be checked right now" },
    };
  }
  if (reason === "missing") {
    return {
      ok: false,
      reason,
      status: 401,
      headers: { "www-authenticate": `Bearer realm="${o.realm}"` },
      body: { error: "invalid_request", error_description: "send a credential as Authorization: Bearer <token>" },
    };
  }
  if (reason === "scope_insufficient") {
    const scope = o.verifyOptions.scopes?.join(" ") ?? "";
    return {
      ok: false,
      reason,
      status: 403,
      headers: { "www-authenticate": `${scheme} realm="${o.realm}", error="insufficient_scope", scope="${scope}"` },
      body: { error: "insufficient_scope", error_description: `this route requires: ${scope}` },
    };
  }
  const error = reason === "dpop_invalid" ? "invalid_dpop_proof" : "invalid_token";
  return {
    ok: false,
    reason,
    status: 401,
    headers: { "www-authenticate": `${scheme} realm="${o.realm}", error="${error}"` },
    body: { error, error_description: `the credential is not valid (${reason})` },
  };
}

function rememberProof(seen: Map<string, number>, jti: string, until: number, now: number): boolean {
  const previous = seen.get(jti);
  if (previous !== undefined && previous >= now) return false;
  if (seen.size >= 100_000) {
    for (const [id, expires] of seen) if (expires < now || seen.size >= 100_000) seen.delete(id);
  }
  seen.set(jti, until);
  return true;
}

/** Decides one request and records it for usage reporting. */
export async function decide(o: CheckedOptions, facts: RequestFacts): Promise<Decision> {
  const presented = credentialOf(facts.authorization);
  let decision: Decision;
  if (!presented) {
    decision = refuse(o, "missing");
  } else {
    const result = await o.verifier.authenticate(presented.token, o.verifyOptions);
    if (!result.ok) {
      decision = refuse(o, result.reason, presented.scheme === "dpop" ? "DPoP" : "Bearer");
    } else if (result.jkt !== undefined) {
      // A sender-constrained token (RFC 9449): only its key holder may use it.
      const now = Math.floor(Date.now() / 1000);
      const base = o.publicUrl ?? `http://${facts.host ?? "localhost"}`;
      const proof =
        presented.scheme === "dpop"
          ? verifyDpopProof({
              proof: facts.dpop,
              method: facts.method,
              url: new URL(facts.path, base).toString(),
              now,
              accessToken: presented.token,
              jkt: result.jkt,
            })
          : ({ ok: false, reason: "malformed" } as const);
      decision =
        proof.ok && rememberProof(o.seenProofs, proof.jti, proof.replayUntil, now)
          ? { ok: true, credential: result }
          : refuse(o, "dpop_invalid", "DPoP");
    } else {
      decision = { ok: true, credential: result };
    }
  }
  o.verifier.recordUsage(
    {
      keyId: decision.ok ? decision.credential.keyId : null,
      kind: decision.ok ? decision.credential.kind : null,
      outcome: decision.ok ? "ok" : decision.reason,
      route: o.route ?? facts.path.split("?")[0] ?? "",
      address: facts.address,
      userAgent: facts.userAgent,
    },
    // Lets a canary key's use be reported with this request's facts (never kept or sent).
    presented?.token,
  );
  return decision;
}
