import { get } from "../api/client.js";
import type { Fleet } from "../api/verifiers.js";
import { ErrorNotice } from "../components/error-notice.js";
import { ago, count, millis } from "../components/format.js";
import { useApi } from "../components/use-api.js";

/** The connected verifiers: applied sequence, lag behind the head, freshness and staleness bound. */
export function VerifiersPage() {
  const fleet = useApi(() => get<Fleet>("/v1/verifiers"), [], 2000);
  const rows = fleet.data?.verifiers ?? [];
  return (
    <>
      <h1>Verifiers</h1>
      <p>
        Head sequence {count(fleet.data?.head)} · {count(rows.length)} connected
      </p>
      <ErrorNotice error={fleet.error} />
      <table class="list">
        <caption class="sr-only">Connected verifiers</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Instance</th>
            <th scope="col">Applied</th>
            <th scope="col">Lag</th>
            <th scope="col">Last seen</th>
            <th scope="col">Staleness bound</th>
            <th scope="col">Connected</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((v) => (
            <tr key={v.id}>
              <td>{v.name}</td>
              <td>{v.authorityInstance}</td>
              <td>{count(v.appliedSequence)}</td>
              <td class={v.lag > 0 ? "warn" : ""}>{count(v.lag)}</td>
              <td>{ago(v.lastSeenAt)}</td>
              <td>{millis(v.stalenessMs)}</td>
              <td>{ago(v.connectedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {fleet.data && rows.length === 0 ? <p class="muted">No verifier is connected.</p> : null}
    </>
  );
}
