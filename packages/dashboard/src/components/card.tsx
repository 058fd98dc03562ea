import type { ComponentChildren } from "preact";
import { ErrorNotice } from "./error-notice.js";

/** A titled section of a page that shows its own loading state and error. */
export function Card(props: { title: string; error?: Error | null; loading?: boolean; children: ComponentChildren }) {
  const id = `card-${props.title.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
  return (
    <section class="card" aria-labelledby={id}>
      <h2 id={id}>{props.title}</h2>
      {props.error ? <ErrorNotice error={props.error} /> : props.children}
      {props.loading && !props.error ? <span class="sr-only">Loading</span> : null}
    </section>
  );
}
