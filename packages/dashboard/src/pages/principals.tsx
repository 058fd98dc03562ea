import { get } from "../api/client.js";
import type { Page as ApiPage } from "../api/types.js";
import { ErrorNotice } from "../components/error-notice.js";
import { when } from "../components/format.js";
import { useApi } from "../components/use-api.js";
import { Link, setQuery } from "../router.js";
import type { PageProps } from "./index.js";

export interface Principal {
  id: string;
  name: string;
  kind: string;
  owner: string;
  status: string;
  allowedScopes: string[];
  createdAt: string;
  metadata: Record<string, unknown>;
}

function PrincipalRow({ p }: { p: Principal }) {
  return (
    <tr>
      <td>
        <Link to={`principals/${p.id}`}>{p.name}</Link>
        <div class="muted">{p.id}</div>
      </td>
      <td>{p.kind}</td>
      <td>{p.owner}</td>
      <td>
        <span class={`state ${p.status}`}>{p.status}</span>
      </td>
      <td>{p.allowedScopes.join(" ")}</td>
      <td>{when(p.createdAt)}</td>
    </tr>
  );
}

/** Every principal (user, service, partner app) with its owner, status and allowed scopes. */
export function PrincipalsPage({ query }: PageProps) {
  const qs = query.toString();
  const list = useApi(
    () =>
      get<ApiPage<Principal>>("/v1/principals", {
        owner: query.get("owner"),
        kind: query.get("kind"),
        status: query.get("status"),
        cursor: query.get("cursor"),
        limit: 50,
      }),
    [qs],
  );
  const filter = (name: string, value: string) => {
    const next = new URLSearchParams(query);
    next.delete("cursor");
    if (value) next.set(name, value);
    else next.delete(name);
    setQuery(next);
  };
  return (
    <>
      <h1>Principals</h1>
      <div class="filters">
        <label>
          Status
          <select value={query.get("status") ?? ""} onChange={(e) => filter("status", e.currentTarget.value)}>
            <option value="">any</option>
            <option value="active">active</option>
            <option value="suspended">suspended</option>
            <option value="disabled">disabled</option>
          </select>
        </label>
        <label>
          Kind
          <select value={query.get("kind") ?? ""} onChange={(e) => filter("kind", e.currentTarget.value)}>
            <option value="">any</option>
            <option value="user">user</option>
            <option value="service">service</option>
            <option value="partner">partner</option>
          </select>
        </label>
      </div>
      <ErrorNotice error={list.error} />
      <table class="list">
        <caption class="sr-only">Principals</caption>
        <thead>
          <tr>
            <th scope="col">Principal</th>
            <th scope="col">Kind</th>
            <th scope="col">Owner</th>
            <th scope="col">Status</th>
            <th scope="col">Allowed scopes</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {(list.data?.items ?? []).map((p) => (
            <PrincipalRow key={p.id} p={p} />
          ))}
        </tbody>
      </table>
      {list.data?.nextCursor ? (
        <button type="button" onClick={() => filter("cursor", list.data?.nextCursor ?? "")}>
          Next page
        </button>
      ) : null}
    </>
  );
}
