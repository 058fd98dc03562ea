/**
 * One detection pass over what verifiers reported since the last: loads the keys named, what the
 * detectors already know of them (networks, user agents, rate baseline), and drafts findings:
 * revoked_key_used, deprecated_key_used, new_network, new_user_agent, volume_spike; and
 * failure_burst per network. Returns the drafts and the state to store; writes nothing.
 */
import type { ServiceContext } from "../context.js";
import { readInChunks } from "../db/batches.js";
import type { ApiKeysTable, FindingKeyStateTable, FindingKnownTable } from "../db/schema.js";
import { keyState } from "../domain/keys.js";
import { DETECTORS, type DetectorId } from "./detectors.js";
import type { KeyObservation, Observations } from "./observations.js";
import { top } from "./observations.js";
import { advance, isSpike, MINUTE } from "./rate.js";
import type { DetectorSetting } from "./settings.js";
import type { FindingDraft } from "./store.js";

const IDS_PER_QUERY = 500;
/** Known values kept per key and dimension; past it a key is too varied to learn more from. */
export const MAX_KNOWN = 200;

type KeyRow = Pick<
  ApiKeysTable,
  "id" | "principal_id" | "status" | "expires_at" | "suspended_at" | "canary" | "replaced_by" | "scopes"
>;

export interface PassResult {
  drafts: FindingDraft[];
  known: FindingKnownTable[];
  states: FindingKeyStateTable[];
}

interface PassInput {
  settings: Map<DetectorId, DetectorSetting>;
  now: number;
  /** failure_burst's per-network minute counters, kept across passes by the service. */
  burst: Map<string, { minute: number; count: number }>;
}

function evidenceOf(seen: KeyObservation) {
  return {
    outcomes: top(seen.outcomes),
    networks: top(seen.networks),
    addresses: top(seen.addresses),
    userAgents: top(seen.userAgents),
    routes: top(seen.routes),
  };
}

class Pass {
  readonly result: PassResult = { drafts: [], known: [], states: [] };
  constructor(
    private readonly input: PassInput,
    private readonly knownBy: Map<string, Set<string>>,
  ) {}

  private enabled(id: DetectorId): DetectorSetting | null {
    const setting = this.input.settings.get(id);
    return setting && setting.mode !== "off" ? setting : null;
  }

  draft(
    id: DetectorId,
    key: KeyRow | null,
    dedupe: string,
    count: number,
    evidence: Record<string, unknown>,
    at: number,
  ) {
    const setting = this.enabled(id);
    if (!setting) return;
    this.result.drafts.push({
      detector: id,
      severity: DETECTORS[id].severity,
      dedupeKey: `${id}:${dedupe}`,
      keyId: key?.id ?? null,
      principalId: key?.principal_id ?? null,
      at,
      count,
      evidence,
      mode: setting.mode,
    });
  }

  knownOf(keyId: string, dimension: string): Set<string> {
    const k = `${keyId}\u0000${dimension}`;
    let set = this.knownBy.get(k);
    if (!set) {
      set = new Set();
      this.knownBy.set(k, set);
    }
    return set;
  }

  /** New values of one dimension: recorded, and a finding when learning is over. */
  novel(key: KeyRow, seen: KeyObservation, dimension: "network" | "user_agent", learned: boolean) {
    const id: DetectorId = dimension === "network" ? "new_network" : "new_user_agent";
    const known = this.knownOf(key.id, dimension);
    const values = dimension === "network" ? seen.networks : seen.userAgents;
    for (const [value, count] of values) {
      if (known.has(value) || known.size >= MAX_KNOWN) continue;
      known.add(value);
      this.result.known.push({ key_id: key.id, dimension, value, first_seen: this.input.now });
      if (learned && known.size > 1) {
        const baseline = [...known].filter((v) => v !== value).slice(0, 20);
        this.draft(
          id,
          key,
          `${key.id}:${value}`,
          count,
          { [dimension]: value, baseline, ...evidenceOf(seen) },
          seen.last,
        );
      }
    }
  }
}

export async function detect(ctx: ServiceContext, obs: Observations, input: PassInput): Promise<PassResult> {
  const ids = [...obs.keys.keys()];
  const keys = await readInChunks(ids, IDS_PER_QUERY, (batch) =>
    ctx.db
      .selectFrom("api_keys")
      .select(["id", "principal_id", "status", "expires_at", "suspended_at", "canary", "replaced_by", "scopes"])
      .where("id", "in", batch)
      .execute(),
  );
  const replacementIds = keys.map((k) => k.replaced_by).filter((id): id is string => id !== null);
  const lookup = [...ids, ...replacementIds];
  const known = await readInChunks(lookup, IDS_PER_QUERY, (batch) =>
    ctx.db.selectFrom("finding_known").select(["key_id", "dimension", "value"]).where("key_id", "in", batch).execute(),
  );
  const knownBy = new Map<string, Set<string>>();
  for (const row of known) {
    const k = `${row.key_id}\u0000${row.dimension}`;
    knownBy.set(k, (knownBy.get(k) ?? new Set()).add(row.value));
  }
  const states = new Map(
    (
      await readInChunks(ids, IDS_PER_QUERY, (batch) =>
        ctx.db.selectFrom("finding_key_state").selectAll().where("key_id", "in", batch).execute(),
      )
    ).map((s) => [s.key_id, s]),
  );
  const pass = new Pass(input, knownBy);
  for (const key of keys) {
    const seen = obs.keys.get(key.id);
    if (!seen || key.canary === 1) continue;
    detectKey(pass, input, key, seen, states.get(key.id));
  }
  detectBursts(pass, obs, input);
  return pass.result;
}

function detectKey(pass: Pass, input: PassInput, key: KeyRow, seen: KeyObservation, stored?: FindingKeyStateTable) {
  const state = keyState(key, input.now);
  const presented = ["revoked", "expired", "suspended"]
    .map((outcome) => [outcome, seen.outcomes.get(outcome) ?? 0] as const)
    .filter(([, n]) => n > 0);
  if (presented.length > 0) {
    const count = presented.reduce((n, [, c]) => n + c, 0);
    pass.draft("revoked_key_used", key, key.id, count, { keyState: state, ...evidenceOf(seen) }, seen.last);
  }
  if (seen.ok === 0) return;
  const rate: FindingKeyStateTable = stored
    ? {
        ...stored,
        minute: Number(stored.minute),
        minute_count: Number(stored.minute_count),
        samples: Number(stored.samples),
      }
    : {
        key_id: key.id,
        learning_since: input.now,
        minute: input.now - (input.now % MINUTE),
        minute_count: 0,
        mean: 0,
        variance: 0,
        samples: 0,
      };
  const learnedFor = (id: DetectorId) =>
    input.now - Number(rate.learning_since) >= (input.settings.get(id)?.learningPeriodMs ?? Number.POSITIVE_INFINITY);
  pass.novel(key, seen, "network", learnedFor("new_network"));
  pass.novel(key, seen, "user_agent", learnedFor("new_user_agent"));
  if (key.status === "deprecated" && key.replaced_by) {
    const replacementNetworks = pass.knownOf(key.replaced_by, "network");
    const foreign = [...seen.networks.keys()].filter((n) => !replacementNetworks.has(n));
    if (replacementNetworks.size > 0 && foreign.length > 0) {
      const evidence = {
        replacement: key.replaced_by,
        replacementNetworks: [...replacementNetworks].slice(0, 20),
        foreign,
        ...evidenceOf(seen),
      };
      pass.draft("deprecated_key_used", key, key.id, seen.ok, evidence, seen.last);
    }
  }
  advance(rate, input.now, seen.ok);
  const spike = input.settings.get("volume_spike");
  if (spike && isSpike(rate, spike.params)) {
    const evidence = {
      perMinute: rate.minute_count,
      baselineMean: Math.round(rate.mean * 100) / 100,
      baselineStdDev: Math.round(Math.sqrt(rate.variance) * 100) / 100,
      minutesOfHistory: rate.samples,
      ...evidenceOf(seen),
    };
    pass.draft("volume_spike", key, key.id, seen.ok, evidence, seen.last);
  }
  pass.result.states.push(rate);
}

function detectBursts(pass: Pass, obs: Observations, input: PassInput) {
  const setting = input.settings.get("failure_burst");
  const minute = input.now - (input.now % MINUTE);
  for (const [network, failures] of obs.failures) {
    const counter = input.burst.get(network);
    const current = counter && counter.minute === minute ? counter : { minute, count: 0 };
    current.count += failures.count;
    input.burst.set(network, current);
    if (setting && current.count >= (setting.params.perMinute ?? 100)) {
      const evidence = {
        network,
        refusedThisMinute: current.count,
        outcomes: top(failures.outcomes),
        addresses: top(failures.addresses),
        keyIds: Object.keys(top(failures.keyIds)),
      };
      pass.draft("failure_burst", null, network, failures.count, evidence, input.now);
    }
  }
  // Counters of past minutes are done with.
  for (const [network, counter] of input.burst) if (counter.minute < minute) input.burst.delete(network);
}
