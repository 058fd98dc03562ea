/**
 * One delivery attempt over HTTP: POST the signed body, wait at most `timeoutMs` for the
 * status line, never follow a redirect (a 3xx is a failure: the endpoint moved, or someone
 * tries to bounce the request elsewhere). The response body is discarded unread.
 */
export interface AttemptOutcome {
  statusCode: number | null;
  /** Why it failed, in words with no secret in them; null on 2xx. */
  error: string | null;
  durationMs: number;
}

function describeFailure(error: unknown, timeoutMs: number): string {
  const name = (error as { name?: string })?.name;
  if (name === "TimeoutError" || name === "AbortError") return `timed out after ${timeoutMs} ms`;
  const cause = (error as { cause?: { code?: string } })?.cause;
  const code = cause?.code;
  if (code === "ECONNREFUSED") return "connection refused";
  if (code === "ECONNRESET" || code === "UND_ERR_SOCKET") return "connection reset";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "host not found";
  if (code?.startsWith("UND_ERR_HEADERS_TIMEOUT")) return `timed out after ${timeoutMs} ms`;
  return code ? `network error (${code})` : "network error";
}

export async function sendAttempt(
  url: string,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<AttemptOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const response = await fetch(url, {
      method: "POST",
      headers,
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel().catch(() => {});
    const ok = response.status >= 200 && response.status < 300;
    const error = ok
      ? null
      : response.status >= 300 && response.status < 400
        ? `HTTP ${response.status} (redirects are not followed)`
        : `HTTP ${response.status}`;
    return { statusCode: response.status, error, durationMs: elapsed() };
  } catch (error) {
    return { statusCode: null, error: describeFailure(error, timeoutMs), durationMs: elapsed() };
  }
}
