/**
 * docs/ssf.md's receiver, exactly as the document shows it: taken from the page and run with node
 * against a real authority, it polls, verifies with jose against the published JWKS, prints a
 * revoked key's credential-change, and acknowledges, so the next poll is empty.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeEachStore } from "../stores.js";
import { type SsfFixture, startSsfFixture } from "./fixture.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "../../../..");
const run = promisify(execFile);

describeEachStore("docs/ssf.md receiver", (kind) => {
  let f: SsfFixture;
  let dir: string;
  beforeAll(async () => {
    f = await startSsfFixture(kind);
    // Inside the repository's node_modules so that `import "jose"` resolves as in a user's project.
    dir = mkdtempSync(join(root, "node_modules", ".tessera-ssf-docs-"));
    const markdown = readFileSync(join(root, "docs", "ssf.md"), "utf8");
    const block = [...markdown.matchAll(/```js\n([\s\S]*?)```/g)]
      .map((m) => m[1] as string)
      .find((b) => b.startsWith("// receiver.mjs"));
    if (!block) throw new Error("docs/ssf.md has no receiver.mjs block");
    writeFileSync(join(dir, "receiver.mjs"), block);
    const push = [...markdown.matchAll(/```js\n([\s\S]*?)```/g)]
      .map((m) => m[1] as string)
      .find((b) => b.startsWith("// idp-push.mjs"));
    if (!push) throw new Error("docs/ssf.md has no idp-push.mjs block");
    writeFileSync(join(dir, "idp-push.mjs"), push);
  });
  afterAll(async () => {
    await f.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("polls, verifies and acknowledges a revoked key's credential-change", async () => {
    const stream = await f.call<{ stream_id: string }>("POST", "/ssf/stream", {
      delivery: { method: "urn:ietf:rfc:8936" },
      aud: "https://siem.example",
      events_requested: ["https://schemas.openid.net/secevent/caep/event-type/credential-change"],
    });
    const key = await f.issueKey("docs");
    await f.call("POST", `/v1/keys/${key.id}/revoke`, { reason: "leaked" });
    const env = {
      ...process.env,
      TESSERA_URL: f.server.url,
      RECEIVER_KEY: f.rootKey,
      AUDIENCE: "https://siem.example",
    };
    const { stdout } = await run(process.execPath, ["receiver.mjs", stream.body.stream_id], { cwd: dir, env });
    const lines = stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.event.change_type)).toEqual(["create", "revoke"]);
    expect(lines[1]).toMatchObject({
      type: "https://schemas.openid.net/secevent/caep/event-type/credential-change",
      subject: { format: "opaque", id: key.id },
      event: { credential_type: "api-key", change_type: "revoke", reason_admin: { en: "leaked" } },
    });
    const after = await f.call("POST", `/ssf/poll/${stream.body.stream_id}`, { returnImmediately: true });
    expect(after.body).toEqual({ sets: {}, moreAvailable: false });
  });

  it("an identity provider's push, as the page shows it, disables the user principal", async () => {
    const user = await f.call<{ id: string }>("POST", "/v1/principals", {
      name: "alice@example.com",
      kind: "user",
      owner: "people",
      allowedScopes: ["orders:read"],
    });
    const env = { ...process.env, TESSERA_URL: f.server.url, TESSERA_ADMIN_KEY: f.rootKey };
    const { stdout } = await run(process.execPath, ["idp-push.mjs", "alice@example.com"], { cwd: dir, env });
    expect(stdout.trim()).toBe("202");
    const shown = await f.call<{ status: string }>("GET", `/v1/principals/${user.body.id}`);
    expect(shown.body.status).toBe("disabled");
  });
});
