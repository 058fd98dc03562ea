import { useState } from "preact/hooks";
import { setQuery } from "../router.js";

/** Every filter GET /v1/keys takes, as it appears in the URL's query. */
export const KEY_FILTERS = [
  "principalId",
  "owner",
  "scope",
  "state",
  "expiringWithin",
  "lastUsedBefore",
  "neverUsed",
  "canary",
  "createdAfter",
  "createdBefore",
] as const;

const TEXT_FILTERS: { name: (typeof KEY_FILTERS)[number]; label: string; placeholder: string }[] = [
  { name: "principalId", label: "Principal", placeholder: "prn_..." },
  { name: "owner", label: "Owner", placeholder: "payments-team" },
  { name: "scope", label: "Scope", placeholder: "orders:read" },
  { name: "expiringWithin", label: "Expiring within", placeholder: "7d" },
  { name: "lastUsedBefore", label: "Last used before", placeholder: "2026-11-01T00:00:00Z" },
  { name: "createdAfter", label: "Created after", placeholder: "2026-01-01T00:00:00Z" },
  { name: "createdBefore", label: "Created before", placeholder: "2026-12-01T00:00:00Z" },
];

/** The inventory's filters; applying them rewrites the URL, so a filtered view can be shared. */
export function KeyFilters({ query }: { query: URLSearchParams }) {
  const [draft, setDraft] = useState(() => Object.fromEntries(KEY_FILTERS.map((f) => [f, query.get(f) ?? ""])));
  const set = (name: string, value: string) => setDraft({ ...draft, [name]: value });
  const apply = (event: Event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const [name, value] of Object.entries(draft)) if (value.trim() !== "") next.set(name, value.trim());
    setQuery(next);
  };
  return (
    <form class="filters" onSubmit={apply} aria-label="Filter keys">
      <label>
        State
        <select value={draft.state} onChange={(e) => set("state", e.currentTarget.value)}>
          <option value="">any</option>
          {["active", "deprecated", "suspended", "revoked", "expired"].map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      {TEXT_FILTERS.map((f) => (
        <label key={f.name}>
          {f.label}
          <input
            value={draft[f.name]}
            placeholder={f.placeholder}
            onInput={(e) => set(f.name, e.currentTarget.value)}
          />
        </label>
      ))}
      <label>
        Canary
        <select value={draft.canary} onChange={(e) => set("canary", e.currentTarget.value)}>
          <option value="">any</option>
          <option value="true">only canaries</option>
          <option value="false">no canaries</option>
        </select>
      </label>
      <label class="inline">
        <input
          type="checkbox"
          checked={draft.neverUsed === "true"}
          onChange={(e) => set("neverUsed", e.currentTarget.checked ? "true" : "")}
        />
        Never used
      </label>
      <button type="submit">Apply filters</button>
    </form>
  );
}
