/**
 * The owner's side of an export file, exactly as docs/campaigns.md shows it: the two jose
 * snippets are taken from the document and run with node against a real campaign's export.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createHarness, type Harness } from "../harness.js";
import { describeEachStore } from "../stores.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "../../../..");

function snippet(markdown: string, firstLine: string): string {
  const blocks = [...markdown.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1] as string);
  const found = blocks.find((b) => b.startsWith(firstLine));
  if (!found) throw new Error(`docs/campaigns.md has no js block starting with ${firstLine}`);
  return found;
}

describeEachStore("docs/campaigns.md export snippets", (kind) => {
  let h: Harness;
  let dir: string;

  beforeAll(async () => {
    h = await createHarness(kind);
    // Inside the repository's node_modules so that `import "jose"` resolves as in a user's project.
    dir = mkdtempSync(join(root, "node_modules", ".tessera-docs-"));
    const markdown = readFileSync(join(root, "docs", "campaigns.md"), "utf8");
    writeFileSync(join(dir, "make-recipient.mjs"), snippet(markdown, "// make-recipient.mjs"));
    writeFileSync(join(dir, "decrypt-export.mjs"), snippet(markdown, "// decrypt-export.mjs"));
  });
  afterAll(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("makes a recipient key, and opens the export with the private key", async () => {
    execFileSync(process.execPath, ["make-recipient.mjs", "payments"], { cwd: dir });
    const publicJwk = JSON.parse(readFileSync(join(dir, "payments.pub.jwk"), "utf8"));
    expect(publicJwk).toMatchObject({ kty: "OKP", crv: "X25519" });
    expect(publicJwk.d).toBeUndefined();

    const principalId = await h.principal({ owner: "payments", scopes: ["orders:read"] });
    const old = await h.authority.keys.issue({ principalId, scopes: ["orders:read"] }, h.system);
    const { campaign } = await h.authority.campaigns.create(
      { selector: { owner: "payments" }, description: "docs", exportRecipients: { payments: publicJwk } },
      h.system,
    );
    await h.authority.campaigns.execute(campaign.id, {}, h.system);
    const exported = await h.authority.campaigns.takeExport(campaign.id, "payments", h.system);
    writeFileSync(join(dir, "payments.jwe"), exported.jwe);

    const out = execFileSync(process.execPath, ["decrypt-export.mjs", "payments.private.jwk", "payments.jwe"], {
      cwd: dir,
      encoding: "utf8",
    });
    const replacement = (await h.authority.keys.get(old.key.id)).replacedBy as string;
    expect(out.trim()).toMatch(
      new RegExp(`^${campaign.id}: ${old.key.id} -> ${replacement} \\(tsk_[0-9A-Za-z]+\\.\\.\\.\\)$`),
    );
    expect(out).not.toMatch(/tsk_[0-9A-Za-z]{30,}/);
  });
});
