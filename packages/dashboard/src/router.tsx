import type { ComponentChildren, JSX } from "preact";
import { useEffect, useState } from "preact/hooks";

/** Every page lives under this path; the authority answers index.html for any of them. */
export const BASE = "/dashboard/";

export interface Location {
  /** The path below BASE, without a leading slash: "keys/key_abc". */
  path: string;
  /** The query string's filters, which make a page's view shareable. */
  query: URLSearchParams;
}

function current(): Location {
  const path = window.location.pathname.startsWith(BASE) ? window.location.pathname.slice(BASE.length) : "";
  return { path: path.replace(/\/+$/, ""), query: new URLSearchParams(window.location.search) };
}

const listeners = new Set<() => void>();
window.addEventListener("popstate", () => {
  for (const listener of listeners) listener();
});

/** Moves to a page of the dashboard ("keys?state=active"), keeping history for the back button. */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const url = BASE + to.replace(/^\//, "");
  if (options.replace) window.history.replaceState(null, "", url);
  else window.history.pushState(null, "", url);
  for (const listener of listeners) listener();
}

/** Replaces the current page's query (its filters) without adding a history entry per keystroke. */
export function setQuery(query: URLSearchParams): void {
  const { path } = current();
  const qs = query.toString();
  navigate(qs ? `${path}?${qs}` : path, { replace: true });
}

export function useLocation(): Location {
  const [location, setLocation] = useState(current);
  useEffect(() => {
    const update = () => setLocation(current());
    listeners.add(update);
    return () => {
      listeners.delete(update);
    };
  }, []);
  return location;
}

/** A link inside the dashboard: a real <a href> (so it opens in a new tab) that navigates in place. */
export function Link(props: { to: string; children: ComponentChildren } & JSX.HTMLAttributes<HTMLAnchorElement>) {
  const { to, children, ...rest } = props;
  const onClick = (event: MouseEvent) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    navigate(to);
  };
  return (
    <a {...rest} href={BASE + to.replace(/^\//, "")} onClick={onClick}>
      {children}
    </a>
  );
}
