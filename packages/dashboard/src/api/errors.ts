/** An admin API error as the authority answers it: a stable code, a message and a request id. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | null,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }

  /** The key is no longer accepted at all: the operator must sign in again. */
  get endsSession(): boolean {
    return this.status === 401;
  }

  /** For 403 answers: the scope the key lacks, when the authority names it. */
  get missingScope(): string | null {
    const scope = this.details.scope ?? this.details.required ?? this.details.missing;
    if (typeof scope === "string") return scope;
    if (Array.isArray(scope)) return scope.join(", ");
    return null;
  }
}

interface ErrorBody {
  error?: { code?: string; message?: string; requestId?: string; details?: Record<string, unknown> };
}

export async function errorFrom(response: Response): Promise<ApiError> {
  let body: ErrorBody = {};
  try {
    body = (await response.json()) as ErrorBody;
  } catch {
    // not JSON (a proxy's page): keep the status line
  }
  const e = body.error ?? {};
  return new ApiError(
    response.status,
    e.code ?? `http_${response.status}`,
    e.message ?? response.statusText ?? "request failed",
    e.requestId ?? response.headers.get("x-request-id"),
    e.details ?? {},
  );
}
