import { useState } from "preact/hooks";
import { post } from "../api/client.js";
import type { Key, Receipt } from "../api/types.js";
import { ActionDialog } from "../components/action-dialog.js";
import { ReceiptView } from "../components/receipt-view.js";
import { SecretOnce } from "../components/secret-once.js";
import { navigate } from "../router.js";

type Action = "revoke" | "suspend" | "resume" | "rotate" | "rollback" | null;

function KeyDialogs(props: {
  keyId: string;
  open: Action;
  close: () => void;
  change: (path: string) => (reason: string) => Promise<void>;
  rollback: (reason: string) => Promise<void>;
  rotate: () => Promise<void>;
  grace: string;
  setGrace: (grace: string) => void;
}) {
  return (
    <>
      <ActionDialog
        title={`Revoke ${props.keyId}`}
        confirmLabel="Revoke"
        open={props.open === "revoke"}
        onClose={props.close}
        onConfirm={props.change("revoke")}
      >
        <p>Every verifier stops accepting this key within milliseconds. This cannot be undone.</p>
      </ActionDialog>
      <ActionDialog
        title={`Suspend ${props.keyId}`}
        confirmLabel="Suspend"
        open={props.open === "suspend"}
        onClose={props.close}
        onConfirm={props.change("suspend")}
      />
      <ActionDialog
        title={`Resume ${props.keyId}`}
        confirmLabel="Resume"
        open={props.open === "resume"}
        onClose={props.close}
        onConfirm={props.change("resume")}
      />
      <ActionDialog
        title={`Roll back the rotation of ${props.keyId}`}
        confirmLabel="Roll back"
        open={props.open === "rollback"}
        onClose={props.close}
        onConfirm={props.rollback}
      />
      <ActionDialog
        title={`Rotate ${props.keyId}`}
        confirmLabel="Rotate"
        askReason={false}
        open={props.open === "rotate"}
        onClose={props.close}
        onConfirm={props.rotate}
      >
        <label>
          Grace window
          <input value={props.grace} required onInput={(e) => props.setGrace(e.currentTarget.value)} />
        </label>
        <p>A replacement is issued now; this key keeps working, deprecated, until the window ends.</p>
      </ActionDialog>
    </>
  );
}

/** Revoke, suspend, resume, rotate and roll back one key, each showing what it changed. */
export function KeyActions(props: { keyRow: Key; onChanged: () => void }) {
  const key = props.keyRow;
  const [open, setOpen] = useState<Action>(null);
  const [receipt, setReceipt] = useState<Receipt | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [grace, setGrace] = useState("24h");
  const [status, setStatus] = useState<string | null>(null);
  const change = (path: string) => async (reason: string) => {
    const answer = await post<{ receipt?: Receipt }>(`/v1/keys/${key.id}/${path}`, { reason }, { wait: "2s" });
    setReceipt(answer.receipt ?? null);
    setStatus(null);
    props.onChanged();
  };
  const rotate = async () => {
    const answer = await post<{ replacement: Key; secret: string }>(`/v1/keys/${key.id}/rotate`, { grace });
    setSecret(answer.secret);
    setStatus(`Rotated: ${answer.replacement.id} replaces this key, which keeps working for ${grace}.`);
    props.onChanged();
  };
  const rollback = async (reason: string) => {
    const answer = await post<{ restored: Key }>(`/v1/keys/${key.id}/rollback`, { reason });
    setStatus(`Rolled back: ${answer.restored.id} is active again and its replacement is revoked.`);
    if (answer.restored.id !== key.id) navigate(`keys/${answer.restored.id}`);
    else props.onChanged();
  };
  const live = key.state === "active" || key.state === "deprecated";
  return (
    <div class="actions-bar">
      <button type="button" class="danger" disabled={key.state === "revoked"} onClick={() => setOpen("revoke")}>
        Revoke
      </button>
      {key.state === "suspended" ? (
        <button type="button" onClick={() => setOpen("resume")}>
          Resume
        </button>
      ) : (
        <button type="button" disabled={!live} onClick={() => setOpen("suspend")}>
          Suspend
        </button>
      )}
      <button type="button" disabled={key.state !== "active"} onClick={() => setOpen("rotate")}>
        Rotate
      </button>
      {key.replacedBy || key.replaces ? (
        <button type="button" onClick={() => setOpen("rollback")}>
          Roll back rotation
        </button>
      ) : null}
      {status ? <p role="status">{status}</p> : null}
      {secret ? <SecretOnce secret={secret} onDismiss={() => setSecret(null)} /> : null}
      {receipt ? <ReceiptView receipt={receipt} /> : null}
      <KeyDialogs
        keyId={key.id}
        open={open}
        close={() => setOpen(null)}
        change={change}
        rollback={rollback}
        rotate={rotate}
        grace={grace}
        setGrace={setGrace}
      />
    </div>
  );
}
