/**
 * The admin API client the CLI uses: every command except `init`, `serve` and `audit verify`
 * goes through the HTTP API, so the CLI runs the same checks, scopes and audit as any client.
 */
import type { ErrorBody } from "../http/error-handler.js";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export interface AdminClient {
  request<T>(method: string, path: string, body?: unknown): Promise<T>;
  url: string;
}

export function createAdminClient(url: string, adminKey: string | undefined): AdminClient {
  const base = url.replace(/\/+$/, "");
  return {
    url: base,
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      if (!adminKey) {
        throw new ApiError(
          0,
          "no_admin_key",
          "set TESSERA_ADMIN_KEY to an admin key (tessera init prints the first one)",
        );
      }
      let response: Response;
      try {
        response = await fetch(`${base}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${adminKey}`,
            ...(body === undefined ? {} : { "content-type": "application/json" }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      } catch (cause) {
        const reason = (cause as { cause?: { code?: string } }).cause?.code ?? (cause as Error).message;
        throw new ApiError(
          0,
          "unreachable",
          `cannot reach the authority at ${base} (${reason}): is it running? (--url / TESSERA_URL)`,
        );
      }
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      if (!response.ok) {
        const error = (parsed as ErrorBody | undefined)?.error;
        const message = error?.message ?? `HTTP ${response.status}`;
        throw new ApiError(
          response.status,
          error?.code ?? `http_${response.status}`,
          // Which authority refused the key matters: it may not be the one the user meant.
          response.status === 401 || response.status === 403 ? `${message} (asked ${base})` : message,
          error?.requestId,
          error?.details,
        );
      }
      return parsed as T;
    },
  };
}
