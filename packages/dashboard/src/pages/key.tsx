import { useState } from "preact/hooks";
import { get } from "../api/client.js";
import type { Key } from "../api/types.js";
import { ErrorNotice } from "../components/error-notice.js";
import { when } from "../components/format.js";
import { useApi } from "../components/use-api.js";
import { Link } from "../router.js";
import type { PageProps } from "./index.js";
import { KeyActions } from "./key-actions.js";
import { KeyHistory } from "./key-history.js";
import { KeyUsagePanel } from "./key-usage.js";

function Details({ k }: { k: Key }) {
  const rows: [string, preact.ComponentChildren][] = [
    ["State", <span class={`state ${k.state}`}>{k.state}</span>],
    ["Principal", <Link to={`principals/${k.principalId}`}>{k.principalId}</Link>],
    ["Starts with", <code>{k.start}</code>],
    ["Scopes", k.scopes.join(" ") || "none"],
    ["Audience", k.audience ?? "any"],
    ["Created", `${when(k.createdAt)} by ${k.createdBy}`],
    ["Expires", when(k.expiresAt)],
    ["Last used", when(k.lastUsedAt)],
  ];
  if (k.revokedAt) rows.push(["Revoked", `${when(k.revokedAt)} by ${k.revokedBy}: ${k.revokedReason ?? ""}`]);
  if (k.suspendedAt) rows.push(["Suspended", `${when(k.suspendedAt)}: ${k.suspendedReason ?? ""}`]);
  if (k.replacedBy) rows.push(["Replaced by", <Link to={`keys/${k.replacedBy}`}>{k.replacedBy}</Link>]);
  if (k.replaces) rows.push(["Replaces", <Link to={`keys/${k.replaces}`}>{k.replaces}</Link>]);
  if (k.graceUntil) rows.push(["Grace until", when(k.graceUntil)]);
  if (k.canary) rows.push(["Canary", "yes: any use opens a finding"]);
  return (
    <dl class="details">
      {rows.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** One key: details, actions with receipts, usage, findings and its audit trail. */
export function KeyPage({ id }: PageProps) {
  const [version, setVersion] = useState(0);
  const key = useApi(() => get<Key>(`/v1/keys/${id}`), [id, version]);
  return (
    <>
      <h1>
        Key <code>{id}</code>
      </h1>
      <p>{key.data?.description}</p>
      <ErrorNotice error={key.error} />
      {key.data ? (
        <>
          <KeyActions keyRow={key.data} onChanged={() => setVersion(version + 1)} />
          <Details k={key.data} />
          <KeyUsagePanel keyId={id} />
          <KeyHistory keyId={id} version={version} />
        </>
      ) : null}
    </>
  );
}
