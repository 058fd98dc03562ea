import { ApiError } from "../api/client.js";

/** An API failure as the operator needs it: what went wrong, its stable code and request id. */
export function ErrorNotice({ error }: { error: Error | null }) {
  if (!error) return null;
  if (error instanceof ApiError) {
    const scope = error.status === 403 ? missingScopes(error) : null;
    return (
      <div class="notice error" role="alert">
        <strong>{scope ? `This admin key lacks the scope ${scope}.` : error.message}</strong>{" "}
        <span class="muted">
          code <code>{error.code}</code>
          {error.requestId ? (
            <>
              {" "}
              · request <code>{error.requestId}</code>
            </>
          ) : null}
        </span>
      </div>
    );
  }
  return (
    <div class="notice error" role="alert">
      <strong>{error.message}</strong>
    </div>
  );
}

function missingScopes(error: ApiError): string | null {
  const listed = error.details.missingScopes;
  if (Array.isArray(listed) && listed.length > 0) return listed.join(", ");
  return error.missingScope;
}
