import { useState } from "preact/hooks";
import { post } from "../api/client.js";
import { ErrorNotice } from "../components/error-notice.js";
import { Link } from "../router.js";

interface CheckResult {
  index: number;
  status: string;
  keyId: string | null;
}

/**
 * Paste tokens found somewhere (a ticket, a log, a repository): the authority says which are live
 * keys, and reporting them as leaked applies the deployment's leak policy (revoke by default).
 * The pasted text is sent to the authority only and never kept or shown again.
 */
export function LeaksPage() {
  const [text, setText] = useState("");
  const [location, setLocation] = useState("");
  const [results, setResults] = useState<CheckResult[] | null>(null);
  const [reported, setReported] = useState<string | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const tokens = () => text.split(/\s+/).filter(Boolean).slice(0, 500);
  const check = async (event: Event) => {
    event.preventDefault();
    setError(null);
    setReported(null);
    try {
      setResults((await post<{ results: CheckResult[] }>("/v1/leaks/check", { tokens: tokens() })).results);
    } catch (failure) {
      setError(failure as Error);
    }
  };
  const report = async () => {
    setError(null);
    try {
      const answer = await post<{ action: string; results: unknown[] }>("/v1/leaks", {
        leaks: tokens().map((token) => ({ token, location: location || "reported from the dashboard" })),
      });
      setReported(`Reported ${answer.results.length} token(s); action: ${answer.action}.`);
      setText("");
    } catch (failure) {
      setError(failure as Error);
    }
  };
  return (
    <>
      <h1>Leaks</h1>
      <form onSubmit={check}>
        <label>
          Tokens found (one per line)
          <textarea
            rows={5}
            spellcheck={false}
            autoComplete="off"
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
          />
        </label>
        <label>
          Where they were found
          <input value={location} placeholder="ticket SUP-1234" onInput={(e) => setLocation(e.currentTarget.value)} />
        </label>
        <button type="submit">Check tokens</button>{" "}
        <button type="button" class="danger" disabled={!results || results.length === 0} onClick={report}>
          Report as leaked
        </button>
      </form>
      <ErrorNotice error={error} />
      {reported ? <p role="status">{reported}</p> : null}
      {results ? (
        <ul class="plain" aria-label="Check results">
          {results.map((r) => (
            <li key={r.index}>
              token {r.index + 1}: {r.status}
              {r.keyId ? (
                <>
                  {" "}
                  · <Link to={`keys/${r.keyId}`}>{r.keyId}</Link>
                </>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
    </>
  );
}
