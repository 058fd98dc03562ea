/**
 * Errors of the feed connection, each with a stable `code` (callers switch on it, as on
 * `TesseraError` in the authority).
 * @module
 */

/**
 * Why the feed refused or dropped this verifier.
 * @example
 * createVerifier({ ...options, onError: (e) => console.warn((e as { code?: FeedErrorCode }).code, e.message) });
 */
export type FeedErrorCode =
  /** 401: the credential is not a valid admin key (wrong, revoked, expired). */
  | "feed_unauthorized"
  /** 403: the key is valid but lacks `feed:read`. */
  | "feed_forbidden"
  /** Any other HTTP answer (a 5xx while the authority restarts, a proxy's 502...). */
  | "feed_http_error"
  /** The connection went silent (no byte, not even a heartbeat) for longer than `idleTimeout`. */
  | "feed_idle";

/**
 * The feed answered with an HTTP error. For 401 and 403 `ready()` rejects with it at once:
 * waiting would not help until the credential is fixed.
 * @example
 * try {
 *   await verifier.ready();
 * } catch (error) {
 *   if (error instanceof FeedHttpError && error.code === "feed_forbidden") console.error("grant the key feed:read");
 *   throw error;
 * }
 */
export class FeedHttpError extends Error {
  override readonly name = "FeedHttpError";
  readonly code: Exclude<FeedErrorCode, "feed_idle">;
  constructor(
    /** The HTTP status the authority (or a proxy) answered. */
    readonly status: number,
    message: string,
    /** The authority's own error code from its answer (`unauthorized`, `forbidden`...), when it sent one. */
    readonly authorityCode?: string,
  ) {
    super(message);
    this.code = status === 401 ? "feed_unauthorized" : status === 403 ? "feed_forbidden" : "feed_http_error";
  }

  /** A refusal of the credential itself (401 or 403): retrying as it is will not help. */
  get refusesCredential(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

/**
 * The feed connection went silent without closing (a blackholed network): the client
 * reconnects by itself, resuming where it stopped; `onError` hears of it.
 * @example
 * onError: (e) => { if (e instanceof FeedIdleError) metrics.feedReconnects.inc(); }
 */
export class FeedIdleError extends Error {
  override readonly name = "FeedIdleError";
  readonly code = "feed_idle" as const;
}

const HINTS: Record<number, string> = {
  401: "the credential is not a valid admin key (wrong, revoked or expired)",
  403: "the credential lacks the feed:read scope",
};

/** The error for a feed answer that is not a stream: the authority's code and message, never the credential. */
export async function feedHttpError(response: Response): Promise<FeedHttpError> {
  const text = await response.text().catch(() => "");
  let authorityCode: string | undefined;
  let detail = text.slice(0, 200);
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (typeof body.error?.code === "string") authorityCode = body.error.code;
    if (typeof body.error?.message === "string") detail = body.error.message.slice(0, 200);
  } catch {
    // Not the authority's JSON (a proxy's page): the text as it is.
  }
  const hint = HINTS[response.status];
  const parts = [`feed answered HTTP ${response.status}`, authorityCode, hint, detail].filter(Boolean);
  return new FeedHttpError(response.status, parts.join(": "), authorityCode);
}
