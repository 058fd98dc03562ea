import { readAdminKey } from "../session.js";
import { ApiError, errorFrom } from "./errors.js";

export { ApiError };

type Query = Record<string, string | number | boolean | undefined | null>;

/** Listeners told when an answer ends the session (the key expired, was revoked, or is unknown). */
const sessionEndListeners = new Set<(error: ApiError) => void>();

export function onSessionEnd(listener: (error: ApiError) => void): () => void {
  sessionEndListeners.add(listener);
  return () => sessionEndListeners.delete(listener);
}

function urlOf(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== "") params.set(name, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/**
 * Calls the authority's public admin API with the signed-in admin key: the dashboard's only way
 * to read or change anything. Errors arrive as ApiError with the API's code and request id.
 */
export async function call<T>(
  method: string,
  path: string,
  options: { query?: Query; body?: unknown; signingIn?: boolean } = {},
): Promise<T> {
  const key = readAdminKey();
  const headers: Record<string, string> = { accept: "application/json" };
  if (key) headers.authorization = `Bearer ${key}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(urlOf(path, options.query), {
    method,
    headers,
    credentials: "omit",
    cache: "no-store",
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  if (!response.ok) {
    const error = await errorFrom(response);
    // While signing in, a refused key is the sign-in form's error, not the end of a session.
    if (error.endsSession && !options.signingIn) for (const listener of sessionEndListeners) listener(error);
    throw error;
  }
  const type = response.headers.get("content-type") ?? "";
  return (type.includes("json") ? await response.json() : await response.text()) as T;
}

export const get = <T>(path: string, query?: Query): Promise<T> => call<T>("GET", path, query ? { query } : {});
export const post = <T>(path: string, body: unknown = {}, query?: Query): Promise<T> =>
  call<T>("POST", path, query ? { body, query } : { body });
