import { useState } from "preact/hooks";
import { call } from "./api/client.js";
import { ErrorNotice } from "./components/error-notice.js";
import { forgetAdminKey, rememberAdminKey } from "./session.js";

/**
 * Asks for an admin key and checks it against the API before keeping it. `notice` says why the
 * operator is here again (the key expired, was revoked, or was signed out).
 */
export function SignIn(props: { notice: string | null; onSignedIn: () => void }) {
  const [key, setKey] = useState("");
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    rememberAdminKey(key.trim());
    try {
      // Any admin key can read its own step-up status: a check that needs no particular scope.
      await call("GET", "/v1/me/totp", { signingIn: true });
      setKey("");
      props.onSignedIn();
    } catch (failure) {
      forgetAdminKey();
      setError(failure instanceof Error ? failure : new Error(String(failure)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="sign-in">
      <h1>Tessera</h1>
      <p class="muted">Sign in with an admin key. It is kept in this tab only and forgotten when you sign out.</p>
      {props.notice ? (
        <div class="notice warning" role="alert">
          {props.notice}
        </div>
      ) : null}
      <form onSubmit={submit}>
        <label>
          Admin key
          <input
            type="password"
            name="admin-key"
            autoComplete="off"
            spellcheck={false}
            required
            value={key}
            onInput={(e) => setKey(e.currentTarget.value)}
          />
        </label>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
      <ErrorNotice error={error} />
    </main>
  );
}
