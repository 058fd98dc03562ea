import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "../api/client.js";
import { ErrorNotice } from "./error-notice.js";

export interface StepUp {
  otp: string;
  justification: string;
}

/** Opens the native dialog as a modal (focus moves into it, Escape closes it) while `open`. */
function useModal(dialog: { current: HTMLDialogElement | null }, open: boolean, onOpen: () => void) {
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) {
      onOpen();
      element.showModal();
    } else if (!open && element.open) element.close();
  }, [open]);
}

function StepUpFields(props: {
  otp: string;
  justification: string;
  setOtp: (v: string) => void;
  setJustification: (v: string) => void;
}) {
  return (
    <fieldset>
      <legend>Step-up: this action needs a TOTP code and a justification</legend>
      <label>
        TOTP code
        <input
          inputMode="numeric"
          autoComplete="one-time-code"
          required
          value={props.otp}
          onInput={(e) => props.setOtp(e.currentTarget.value)}
        />
      </label>
      <label>
        Justification
        <input
          required
          maxLength={1024}
          value={props.justification}
          onInput={(e) => props.setJustification(e.currentTarget.value)}
        />
      </label>
    </fieldset>
  );
}

/**
 * A confirmation asking for a reason, and for step-up (a TOTP code and a justification) when the
 * authority answers `step_up_required`; the same action is then sent again with them.
 */
export function ActionDialog(props: {
  title: string;
  confirmLabel: string;
  open: boolean;
  onClose: () => void;
  onConfirm: (reason: string, stepUp: StepUp | undefined) => Promise<void>;
  children?: ComponentChildren;
  askReason?: boolean;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState("");
  const [otp, setOtp] = useState("");
  const [justification, setJustification] = useState("");
  const [needsStepUp, setNeedsStepUp] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  const reset = () => {
    setReason("");
    setOtp("");
    setJustification("");
    setNeedsStepUp(false);
    setError(null);
  };
  useModal(dialog, props.open, reset);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await props.onConfirm(
        reason.trim(),
        needsStepUp ? { otp: otp.trim(), justification: justification.trim() } : undefined,
      );
      props.onClose();
    } catch (failure) {
      if (failure instanceof ApiError && failure.code === "step_up_required" && !needsStepUp) setNeedsStepUp(true);
      else setError(failure instanceof Error ? failure : new Error(String(failure)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <dialog ref={dialog} aria-labelledby="dialog-title" onClose={props.onClose}>
      <form method="dialog" onSubmit={submit}>
        <h2 id="dialog-title">{props.title}</h2>
        {props.children}
        {props.askReason === false ? null : (
          <label>
            Reason
            <textarea required maxLength={1024} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
          </label>
        )}
        {needsStepUp ? (
          <StepUpFields otp={otp} justification={justification} setOtp={setOtp} setJustification={setJustification} />
        ) : null}
        <ErrorNotice error={error} />
        <div class="actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class="danger" disabled={busy}>
            {props.confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
