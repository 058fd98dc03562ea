import { useState } from "preact/hooks";

/**
 * A newly issued secret, the only secret the dashboard ever renders: shown once, with a copy
 * button, and gone when the operator dismisses it or leaves the page.
 */
export function SecretOnce(props: { secret: string; onDismiss: () => void }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    await navigator.clipboard.writeText(props.secret);
    setCopied(true);
  };
  return (
    <div class="notice secret" role="alert">
      <p>
        <strong>The new secret, shown once.</strong> Store it now: Tessera keeps only its hash.
      </p>
      <code class="secret-value">{props.secret}</code>{" "}
      <button type="button" onClick={copy}>
        {copied ? "Copied" : "Copy secret"}
      </button>{" "}
      <button type="button" onClick={props.onDismiss}>
        I stored it
      </button>
    </div>
  );
}
