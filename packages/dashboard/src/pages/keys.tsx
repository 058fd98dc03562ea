import { useState } from "preact/hooks";
import { get, post } from "../api/client.js";
import type { Page as ApiPage, Key, UsageSeries } from "../api/types.js";
import { ErrorNotice } from "../components/error-notice.js";
import { ago } from "../components/format.js";
import { Sparkline } from "../components/sparkline.js";
import { useApi } from "../components/use-api.js";
import { Link, setQuery } from "../router.js";
import { BulkActions } from "./bulk-actions.js";
import type { PageProps } from "./index.js";
import { KEY_FILTERS, KeyFilters } from "./key-filters.js";

const PAGE_SIZE = 50;

function listQuery(query: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = { limit: query.get("limit") ?? String(PAGE_SIZE) };
  for (const name of [...KEY_FILTERS, "cursor"]) {
    const value = query.get(name);
    if (value) out[name] = value;
  }
  return out;
}

function KeysHead() {
  return (
    <thead>
      <tr>
        <th scope="col">
          <span class="sr-only">Select</span>
        </th>
        <th scope="col">Key</th>
        <th scope="col">Principal</th>
        <th scope="col">Scopes</th>
        <th scope="col">State</th>
        <th scope="col">Expires</th>
        <th scope="col">Last used</th>
        <th scope="col">Use (24 h)</th>
      </tr>
    </thead>
  );
}

function KeyRow(props: { k: Key; selected: boolean; onToggle: (id: string) => void; series: number[] | undefined }) {
  const key = props.k;
  return (
    <tr>
      <td>
        <input
          type="checkbox"
          aria-label={`Select ${key.id}`}
          checked={props.selected}
          onChange={() => props.onToggle(key.id)}
        />
      </td>
      <td>
        <Link to={`keys/${key.id}`}>{key.id}</Link>
        <div class="muted">{key.description || key.start}</div>
      </td>
      <td>
        <Link to={`principals/${key.principalId}`}>{key.principalId}</Link>
      </td>
      <td>{key.scopes.join(" ")}</td>
      <td>
        <span class={`state ${key.state}`}>{key.state}</span>
      </td>
      <td>{key.expiresAt ? ago(key.expiresAt) : "never"}</td>
      <td>{ago(key.lastUsedAt)}</td>
      <td>{props.series ? <Sparkline series={props.series} label={`${key.id} use`} /> : null}</td>
    </tr>
  );
}

/** The inventory: server-side filters and keyset pages, usage per row, bulk revoke and suspend. */
export function KeysPage({ query }: PageProps) {
  const qs = query.toString();
  const keys = useApi(() => get<ApiPage<Key>>("/v1/keys", listQuery(query)), [qs]);
  const ids = keys.data?.items.map((k) => k.id) ?? [];
  // One request for every row's sparkline (not one per key).
  const usage = useApi(
    async () => (ids.length ? await post<UsageSeries>("/v1/keys/usage", { ids, bucket: "hour" }) : null),
    [ids.join(",")],
  );
  const series = new Map((usage.data?.keys ?? []).map((k) => [k.keyId, k.series]));
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  const page = (cursor: string | null) => {
    const next = new URLSearchParams(query);
    if (cursor) next.set("cursor", cursor);
    else next.delete("cursor");
    setQuery(next);
  };
  const items = keys.data?.items ?? [];
  return (
    <>
      <h1>Keys</h1>
      <KeyFilters query={query} />
      <BulkActions
        selected={[...selected]}
        onDone={() => {
          setSelected(new Set());
          keys.reload();
        }}
      />
      <ErrorNotice error={keys.error} />
      <table class="list">
        <caption class="sr-only">API keys{query.get("cursor") ? " (a later page)" : ""}</caption>
        <KeysHead />
        <tbody>
          {items.map((key) => (
            <KeyRow
              key={key.id}
              k={key}
              selected={selected.has(key.id)}
              onToggle={toggle}
              series={series.get(key.id)}
            />
          ))}
        </tbody>
      </table>
      {keys.data && items.length === 0 ? <p class="muted">No key matches these filters.</p> : null}
      <nav class="pager" aria-label="Pages">
        <button type="button" disabled={!query.get("cursor")} onClick={() => page(null)}>
          First page
        </button>
        <button type="button" disabled={!keys.data?.nextCursor} onClick={() => page(keys.data?.nextCursor ?? null)}>
          Next page
        </button>
      </nav>
    </>
  );
}
