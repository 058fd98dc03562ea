import { useState } from "preact/hooks";
import { call } from "../api/client.js";
import type { Key } from "../api/types.js";
import { ActionDialog } from "../components/action-dialog.js";
import type { Principal } from "./principals.js";

/**
 * Narrows a principal's allowed scopes, first showing which of its live keys carry a scope being
 * removed (they are narrowed or revoked, as chosen) so the blast radius is seen before the click.
 */
export function ScopeNarrowing(props: { principal: Principal; keys: Key[]; onChanged: () => void }) {
  const [scopes, setScopes] = useState(props.principal.allowedScopes.join(" "));
  const [mode, setMode] = useState<"narrow" | "revoke">("narrow");
  const [open, setOpen] = useState(false);
  const next = scopes.split(/[\s,]+/).filter(Boolean);
  const removed = props.principal.allowedScopes.filter((s) => !next.includes(s));
  const affected = props.keys.filter((k) => k.scopes.some((s) => removed.includes(s)));
  const apply = async (reason: string) => {
    await call("PATCH", `/v1/principals/${props.principal.id}`, {
      body: { allowedScopes: next, onExceedingKeys: mode, reason },
    });
    props.onChanged();
  };
  return (
    <section class="card" aria-labelledby="narrow-title">
      <h2 id="narrow-title">Allowed scopes</h2>
      <label>
        Scopes (space-separated)
        <input value={scopes} onInput={(e) => setScopes(e.currentTarget.value)} />
      </label>
      <label>
        Keys carrying a removed scope
        <select value={mode} onChange={(e) => setMode(e.currentTarget.value as "narrow" | "revoke")}>
          <option value="narrow">narrow them</option>
          <option value="revoke">revoke them</option>
        </select>
      </label>
      <p role="status">
        {removed.length === 0
          ? "No scope removed."
          : `Removing ${removed.join(", ")} affects ${affected.length} live key${affected.length === 1 ? "" : "s"}: ${affected
              .map((k) => k.id)
              .join(", ")}`}
      </p>
      <button type="button" disabled={next.length === 0} onClick={() => setOpen(true)}>
        Apply scopes
      </button>
      <ActionDialog
        title="Change allowed scopes"
        confirmLabel="Apply"
        open={open}
        onClose={() => setOpen(false)}
        onConfirm={apply}
      >
        <p>
          {affected.length} key{affected.length === 1 ? "" : "s"} will be {mode === "narrow" ? "narrowed" : "revoked"}.
        </p>
      </ActionDialog>
    </section>
  );
}
