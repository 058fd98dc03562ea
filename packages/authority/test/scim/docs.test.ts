/**
 * docs/scim.md's walk-through, sent block by block to a real authority as an identity provider
 * would: every request answers 2xx, and the deprovisioning step revokes the user's key.
 */
import { readFileSync } from "node:fs";
import { afterEach, beforeEach, expect, it } from "vitest";
import { createHttpHarness, type HttpHarness } from "../http-harness.js";
import { describeEachStore } from "../stores.js";

interface Example {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  path: string;
  body: string;
}

function examples(): Example[] {
  const doc = readFileSync(new URL("../../../../docs/scim.md", import.meta.url), "utf8");
  const found = [...doc.matchAll(/<!-- scim-example: (\w+) (\S+) -->\s*```json\n([\s\S]*?)```/g)];
  return found.map((m) => ({ method: m[1] as Example["method"], path: m[2] as string, body: (m[3] as string).trim() }));
}

describeEachStore("docs/scim.md walk-through", (kind) => {
  let h: HttpHarness;
  beforeEach(async () => {
    h = await createHttpHarness(kind);
  });
  afterEach(async () => {
    await h.close();
  });

  it("runs every example in order, and deprovisioning revokes what the user holds", async () => {
    const steps = examples();
    expect(steps.map((s) => s.method)).toEqual(["GET", "POST", "PATCH", "PATCH", "DELETE"]);
    let id = "";
    let secret = "";
    for (const step of steps) {
      const response = await h.call(step.method, `/scim/v2${step.path.replace("{id}", id)}`, {
        headers: { "content-type": "application/scim+json" },
        ...(step.body ? { body: step.body } : {}),
      });
      expect(response.statusCode, `${step.method} ${step.path}: ${response.body}`).toBeLessThan(300);
      if (step.method === "POST") {
        id = response.json().id;
        await h.call("PATCH", `/v1/principals/${id}`, { body: { allowedScopes: ["orders:read"] } });
        secret = (await h.call("POST", "/v1/keys", { body: { principalId: id, scopes: ["orders:read"] } })).json()
          .secret;
      }
      if (step.body.includes('"False"')) {
        expect(response.json().active).toBe(false);
        expect((await h.authority.introspect(secret)).response.active).toBe(false);
      }
    }
    const user = await h.authority.principals.get(id);
    expect(user.metadata.scim).toMatchObject({ deleted: true, name: { familyName: "Liddell-Hargreaves" } });
  });
});
