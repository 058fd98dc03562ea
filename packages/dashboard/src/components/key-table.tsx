import type { ComponentChildren } from "preact";
import type { Key } from "../api/types.js";
import { Link } from "../router.js";

/** A compact list of keys (id, principal, state, expiry, last use), each linking to its page. */
export function KeyList(props: { keys: Key[]; empty: string; extra?: (key: Key) => ComponentChildren }) {
  if (props.keys.length === 0) return <p class="muted">{props.empty}</p>;
  return (
    <ul class="plain">
      {props.keys.map((key) => (
        <li key={key.id}>
          <Link to={`keys/${key.id}`}>{key.id}</Link> <span class="muted">{key.description || key.start}</span>{" "}
          <span class={`state ${key.state}`}>{key.state}</span> {props.extra?.(key)}
        </li>
      ))}
    </ul>
  );
}
