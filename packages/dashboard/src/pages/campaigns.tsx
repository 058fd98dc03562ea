import { useState } from "preact/hooks";
import { get, post } from "../api/client.js";
import { ErrorNotice } from "../components/error-notice.js";
import { when } from "../components/format.js";
import { useApi } from "../components/use-api.js";
import { Link, navigate } from "../router.js";

export interface Campaign {
  id: string;
  status: string;
  description: string;
  selector: Record<string, unknown>;
  grace: string;
  createdAt: string;
  keys: number;
  graceUntil: string | null;
}

function CreateCampaign() {
  const [owner, setOwner] = useState("");
  const [principalId, setPrincipalId] = useState("");
  const [scope, setScope] = useState("");
  const [description, setDescription] = useState("");
  const [grace, setGrace] = useState("1d");
  const [error, setError] = useState<Error | null>(null);
  const create = async (event: Event) => {
    event.preventDefault();
    setError(null);
    const selector = Object.fromEntries(
      Object.entries({ owner, principalId, scope })
        .filter(([, v]) => v.trim() !== "")
        .map(([k, v]) => [k, v.trim()]),
    );
    try {
      const answer = await post<{ campaign: Campaign }>("/v1/campaigns", { selector, description, grace });
      navigate(`campaigns/${answer.campaign.id}`);
    } catch (failure) {
      setError(failure as Error);
    }
  };
  return (
    <form class="card" onSubmit={create} aria-labelledby="new-campaign">
      <h2 id="new-campaign">New rotation campaign</h2>
      <label>
        Owner
        <input value={owner} onInput={(e) => setOwner(e.currentTarget.value)} />
      </label>
      <label>
        Principal
        <input value={principalId} placeholder="prn_..." onInput={(e) => setPrincipalId(e.currentTarget.value)} />
      </label>
      <label>
        Scope
        <input value={scope} onInput={(e) => setScope(e.currentTarget.value)} />
      </label>
      <label>
        Description
        <input required value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
      </label>
      <label>
        Grace window
        <input value={grace} onInput={(e) => setGrace(e.currentTarget.value)} />
      </label>
      <button type="submit">Create draft</button>
      <ErrorNotice error={error} />
    </form>
  );
}

/** Rotation campaigns: create a draft, then open it for the dry run, execution and progress. */
export function CampaignsPage() {
  const list = useApi(() => get<{ items: Campaign[] }>("/v1/campaigns", { limit: 100 }), []);
  return (
    <>
      <h1>Campaigns</h1>
      <CreateCampaign />
      <ErrorNotice error={list.error} />
      <ul class="plain">
        {(list.data?.items ?? []).map((c) => (
          <li key={c.id}>
            <Link to={`campaigns/${c.id}`}>{c.description || c.id}</Link> · {c.status} · {c.keys} keys · created{" "}
            {when(c.createdAt)}
          </li>
        ))}
      </ul>
    </>
  );
}
