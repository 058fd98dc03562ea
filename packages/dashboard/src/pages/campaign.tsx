import { useState } from "preact/hooks";
import { get, post } from "../api/client.js";
import { ActionDialog, type StepUp } from "../components/action-dialog.js";
import { Card } from "../components/card.js";
import { ErrorNotice } from "../components/error-notice.js";
import { Fields } from "../components/fields.js";
import { useApi } from "../components/use-api.js";
import type { Campaign } from "./campaigns.js";
import type { PageProps } from "./index.js";

interface BlastRadius {
  total: number;
  byOwner: { owner: string; keys: number }[];
  byScope: { scope: string; keys: number }[];
  neverUsed: number;
  recentlyUsed: { keys: number; since: string };
}

function DryRun({ id }: { id: string }) {
  const run = useApi(() => get<{ blastRadius: BlastRadius; graceUntil: string }>(`/v1/campaigns/${id}/dry-run`), [id]);
  const b = run.data?.blastRadius;
  return (
    <Card title="Dry run: blast radius" error={run.error} loading={run.loading}>
      {b ? (
        <>
          <p role="status">
            {b.total} keys would be rotated; {b.recentlyUsed.keys} used recently, {b.neverUsed} never used.
          </p>
          <ul class="plain">
            {b.byOwner.map((o) => (
              <li key={o.owner}>
                owner {o.owner}: {o.keys} keys
              </li>
            ))}
            {b.byScope.map((s) => (
              <li key={s.scope}>
                scope {s.scope}: {s.keys} keys
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </Card>
  );
}

type Action = "execute" | "finalize" | "rollback" | null;

const withStepUp = (stepUp: StepUp | undefined) => (stepUp ? { stepUp } : {});

function CampaignDialogs(props: { id: string; open: Action; close: () => void; done: () => void }) {
  return (
    <>
      <ActionDialog
        title="Execute the campaign"
        confirmLabel="Execute"
        askReason={false}
        open={props.open === "execute"}
        onClose={props.close}
        onConfirm={async (_r, stepUp) => {
          await post(`/v1/campaigns/${props.id}/execute`, withStepUp(stepUp));
          props.done();
        }}
      >
        <p>Every selected key gets a replacement now; the old keys keep working until the grace window ends.</p>
      </ActionDialog>
      <ActionDialog
        title="Finalize the campaign"
        confirmLabel="Finalize"
        askReason={false}
        open={props.open === "finalize"}
        onClose={props.close}
        onConfirm={async (_r, stepUp) => {
          await post(`/v1/campaigns/${props.id}/finalize`, withStepUp(stepUp));
          props.done();
        }}
      >
        <p>The old keys are revoked. Finalize refuses while old keys are still in use unless forced.</p>
      </ActionDialog>
      <ActionDialog
        title="Roll back the campaign"
        confirmLabel="Roll back"
        open={props.open === "rollback"}
        onClose={props.close}
        onConfirm={async (reason) => {
          await post(`/v1/campaigns/${props.id}/rollback`, { reason });
          props.done();
        }}
      />
    </>
  );
}

/** One campaign: its dry run, execution with step-up, progress with the safe-to-retire signal. */
export function CampaignPage({ id }: PageProps) {
  const [version, setVersion] = useState(0);
  const shown = useApi(
    () => get<{ campaign: Campaign; progress: Record<string, unknown> | null }>(`/v1/campaigns/${id}`),
    [id, version],
    5000,
  );
  const [open, setOpen] = useState<Action>(null);
  const done = () => setVersion(version + 1);
  const c = shown.data?.campaign;
  return (
    <>
      <h1>Campaign {c?.description ?? id}</h1>
      <ErrorNotice error={shown.error} />
      {c ? (
        <>
          <Fields
            value={{
              id: c.id,
              status: c.status,
              selector: c.selector,
              grace: c.grace,
              keys: c.keys,
              graceUntil: c.graceUntil,
            }}
          />
          <div class="actions-bar">
            <button type="button" disabled={c.status !== "draft"} onClick={() => setOpen("execute")}>
              Execute
            </button>
            <button type="button" disabled={c.status !== "executed"} onClick={() => setOpen("finalize")}>
              Finalize
            </button>
            <button type="button" class="danger" disabled={c.status !== "executed"} onClick={() => setOpen("rollback")}>
              Roll back
            </button>
          </div>
          {c.status === "draft" ? <DryRun id={id} /> : null}
          {shown.data?.progress ? (
            <Card title="Progress">
              <Fields value={shown.data.progress} />
            </Card>
          ) : null}
        </>
      ) : null}
      <CampaignDialogs id={id} open={open} close={() => setOpen(null)} done={done} />
    </>
  );
}
