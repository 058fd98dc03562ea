/** No secret in plaintext in logs, audit records, the change log, metrics or error bodies. */
import { afterEach, beforeEach, expect, it } from "vitest";
import { createHttpHarness, type HttpHarness } from "../http-harness.js";
import { describeEachStore } from "../stores.js";

describeEachStore("secrets stay secret", (kind) => {
  let h: HttpHarness;
  beforeEach(async () => {
    h = await createHttpHarness(kind);
  });
  afterEach(async () => {
    await h.close();
  });

  it("never writes an issued or presented secret to logs, audit, change log or metrics", async () => {
    const secrets: string[] = [h.root.secret];
    const principalId = (
      await h.call("POST", "/v1/principals", {
        body: { name: "svc", kind: "service", owner: "o", allowedScopes: ["a", "b"] },
      })
    ).json().id as string;
    const issued = (await h.call("POST", "/v1/keys", { body: { principalId, scopes: ["a"] } })).json();
    secrets.push(issued.secret);
    const rotated = (await h.call("POST", `/v1/keys/${issued.key.id}/rotate`, { body: {} })).json();
    secrets.push(rotated.secret);
    // Presented in every place a client might put it, including where it does not belong.
    await h.call("POST", "/oauth/introspect", {
      body: `token=${rotated.secret}`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    await h.call("GET", `/v1/keys?cursor=${issued.secret}`);
    await h.call("GET", `/v1/keys/${issued.secret}`);
    await h.call("POST", "/v1/keys", { body: { principalId, scopes: ["a"], description: "ok", token: issued.secret } });
    const wrongKey = `${issued.secret.slice(0, -1)}x`;
    await h.call("GET", "/v1/keys", { key: wrongKey });
    await h.call("GET", "/v1/keys", { key: rotated.secret });
    await h.call("POST", `/v1/keys/${issued.key.id}/revoke`, { body: { reason: "done" } });
    await h.authority.usage.flush();
    const metrics = (await h.call("GET", "/metrics", { key: null })).body;

    const db = h.authority.database.db;
    const stored = JSON.stringify([
      await db.selectFrom("api_keys").selectAll().execute(),
      await db.selectFrom("audit_log").selectAll().execute(),
      await db.selectFrom("change_log").selectAll().execute(),
      await db.selectFrom("principals").selectAll().execute(),
    ]);
    const logs = h.logs.join("");
    expect(h.logs.length).toBeGreaterThan(5);
    for (const secret of secrets) {
      // The random part is what matters: no 12-character run of it may appear anywhere.
      const core = secret.slice(8, 20);
      expect(logs).not.toContain(core);
      expect(stored).not.toContain(core);
      expect(metrics).not.toContain(core);
    }
    expect(logs).not.toContain("authorization");
  });
});
