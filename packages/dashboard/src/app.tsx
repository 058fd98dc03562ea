import { useEffect, useState } from "preact/hooks";
import { onSessionEnd } from "./api/client.js";
import { match, pages } from "./pages/index.js";
import { Link, useLocation } from "./router.js";
import { forgetAdminKey, readAdminKey } from "./session.js";
import { SignIn } from "./sign-in.js";

const REASONS: Record<string, string> = {
  revoked: "Your admin key was revoked.",
  expired: "Your admin key has expired.",
  suspended: "Your admin key is suspended.",
  principal_disabled: "The principal that owns your admin key is disabled.",
};

/** The shell: sign-in until a key is accepted, then the navigation and the page the URL names. */
export function App() {
  const [signedIn, setSignedIn] = useState(() => readAdminKey() !== null);
  const [notice, setNotice] = useState<string | null>(null);
  const location = useLocation();
  useEffect(
    () =>
      onSessionEnd((error) => {
        forgetAdminKey();
        const reason = typeof error.details.reason === "string" ? REASONS[error.details.reason] : undefined;
        setNotice(`${reason ?? "Your admin key is no longer accepted."} Sign in again. (code ${error.code})`);
        setSignedIn(false);
      }),
    [],
  );
  const found = match(location.path);
  useEffect(() => {
    document.title = `${found?.page.title ?? "Not found"} · Tessera`;
  }, [found?.page.title]);
  if (!signedIn) {
    return (
      <SignIn
        notice={notice}
        onSignedIn={() => {
          setNotice(null);
          setSignedIn(true);
        }}
      />
    );
  }
  const signOut = () => {
    forgetAdminKey();
    setNotice("You signed out; the admin key was forgotten.");
    setSignedIn(false);
  };
  const section = location.path.split("/")[0] ?? "";
  return (
    <div class="shell">
      <header>
        <span class="brand">Tessera</span>
        <nav aria-label="Main">
          <ul>
            {pages
              .filter((p) => p.nav)
              .map((p) => (
                <li key={p.section}>
                  <Link to={p.section} aria-current={p.section === section ? "page" : undefined}>
                    {p.nav}
                  </Link>
                </li>
              ))}
          </ul>
        </nav>
        <button type="button" class="sign-out" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main>
        {found ? (
          <found.page.component key={location.path} id={found.id} query={location.query} />
        ) : (
          <p role="alert">There is no page at {location.path}.</p>
        )}
      </main>
    </div>
  );
}
