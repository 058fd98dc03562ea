/** From change-log entries to SSF events: every mapped change type, its subject and members. */
import { expect, it } from "vitest";
import { mapChange } from "../../src/ssf/mapping.js";

const CAEP = "https://schemas.openid.net/secevent/caep/event-type";
const RISC = "https://schemas.openid.net/secevent/risc/event-type";
const at = 1_796_000_000_000;
const entry = (type: string, data: unknown) => ({ seq: 7, at, type, data: JSON.stringify(data) });
const none = new Map<string, string>();

it("maps a rotation to the replacement's create and the old key's update", () => {
  const events = mapChange(
    entry("key.rotated", {
      previous: { id: "key_old", principalId: "prn_a" },
      replacement: { id: "key_new", principalId: "prn_a" },
    }),
    none,
  );
  expect(events.map((e) => [e.type, e.subject, e.payload.change_type])).toEqual([
    [`${CAEP}/credential-change`, { format: "opaque", id: "key_new" }, "create"],
    [`${CAEP}/credential-change`, { format: "opaque", id: "key_old" }, "update"],
  ]);
  expect(events[0]?.related).toEqual([{ format: "opaque", id: "prn_a" }]);
});

it("maps a revocation to one credential-change per key, with the key's principal as related subject", () => {
  const events = mapChange(
    entry("key.revoked", { ids: ["key_1", "key_2"], reason: "leaked", cause: "revocation.selector" }),
    new Map([["key_1", "prn_x"]]),
  );
  expect(events.map((e) => e.subject)).toEqual([
    { format: "opaque", id: "key_1" },
    { format: "opaque", id: "key_2" },
  ]);
  expect(events[0]).toMatchObject({
    related: [{ format: "opaque", id: "prn_x" }],
    payload: { change_type: "revoke", reason_admin: { en: "leaked" } },
  });
  expect(events[1]?.related).toEqual([]);
});

it("maps a grant family's revocation to session-revoked, a finding to risk-level-change, a leak to credential-compromise", () => {
  expect(mapChange(entry("grant_family.revoked", { familyId: "fam_1", exp: 1 }), none)).toEqual([
    {
      seq: 7,
      type: `${CAEP}/session-revoked`,
      subject: { format: "opaque", id: "fam_1" },
      related: [],
      payload: { event_timestamp: at / 1000 },
    },
  ]);
  const [risk] = mapChange(
    entry("finding.opened", {
      findingId: "fnd_1",
      detector: "new_network",
      severity: "critical",
      keyId: "key_9",
      principalId: "prn_9",
    }),
    none,
  );
  expect(risk).toMatchObject({
    type: `${CAEP}/risk-level-change`,
    subject: { format: "opaque", id: "key_9" },
    related: [{ format: "opaque", id: "prn_9" }],
    payload: { principal: "USER", current_level: "HIGH", risk_reason: "new_network" },
  });
  const [leak] = mapChange(
    entry("leak.reported", { keyId: "key_5", principalId: "prn_5", location: "ci log", actionTaken: "revoked" }),
    none,
  );
  expect(leak).toMatchObject({
    type: `${RISC}/credential-compromise`,
    subject: { format: "opaque", id: "key_5" },
    payload: { credential_type: "api-key", reason_admin: { en: "found at ci log; action: revoked" } },
  });
});

it("sends token-claims-change only when scopes were removed, and nothing for changes receivers do not see", () => {
  expect(
    mapChange(entry("principal.updated", { principalId: "prn_1", allowedScopes: ["a"], removedScopes: [] }), none),
  ).toEqual([]);
  const [claims] = mapChange(
    entry("principal.updated", { principalId: "prn_1", allowedScopes: ["a", "b"], removedScopes: ["c"] }),
    none,
  );
  expect(claims?.payload.claims).toEqual({ scope: "a b" });
  for (const type of ["grant.issued", "campaign.created", "signing_key.published", "key.expiring"]) {
    expect(mapChange(entry(type, {}), none), type).toEqual([]);
  }
});
