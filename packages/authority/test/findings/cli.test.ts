/** `tessera findings list|show|ack|resolve` and `tessera detectors list|set` against a real authority. */
import { afterAll, beforeAll, expect, it } from "vitest";
import { type CliAuthority, startCliAuthority } from "../cli-authority.js";
import { describeEachStore } from "../stores.js";

describeEachStore("tessera findings and detectors", (kind) => {
  let cli: CliAuthority;
  const tessera = (...argv: string[]) => cli.tessera(...argv);
  beforeAll(async () => {
    cli = await startCliAuthority(kind);
  });
  afterAll(() => cli.close());

  it("lists, shows, acknowledges and resolves a finding; lists and sets detectors", async () => {
    const added = await tessera(
      "--json",
      "principals",
      "add",
      "--name",
      "svc",
      "--owner",
      "o",
      "--scope",
      "orders:read",
    );
    const principalId = JSON.parse(added.out).id as string;
    const keyId = JSON.parse(
      (await tessera("--json", "keys", "issue", "--principal", principalId, "--scope", "orders:read")).out,
    ).key.id as string;
    expect((await tessera("keys", "revoke", keyId, "--reason", "leaked")).code).toBe(0);
    const response = await fetch(`${cli.server.url}/v1/verifiers/usage`, {
      method: "POST",
      headers: { authorization: `Bearer ${cli.env.TESSERA_ADMIN_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({
        verifierId: "vfy_cli_findings",
        dropped: 0,
        entries: [
          {
            keyId,
            kind: "api_key",
            outcome: "revoked",
            route: "GET /orders",
            address: "203.0.113.9",
            userAgent: "curl/8",
            count: 4,
            lastAt: Date.now(),
          },
        ],
      }),
    });
    expect(response.status).toBe(204);
    await cli.server.authority.findings.flush();

    const listed = await tessera("findings", "list", "--state", "open");
    expect(listed.code, listed.err).toBe(0);
    expect(listed.out).toContain("revoked_key_used");
    expect(listed.out).toContain(keyId);
    const id = /fnd_\w+/.exec(listed.out)?.[0] as string;
    const shown = await tessera("findings", "show", id);
    expect(shown.out).toContain("203.0.113.9");
    expect(shown.out).toContain("revoked_key_used (high)");
    expect((await tessera("findings", "ack", id, "--note", "looking")).out).toBe(`${id} is acknowledged\n`);
    expect((await tessera("findings", "resolve", id, "--note", "done")).out).toBe(`${id} is resolved\n`);
    expect(JSON.parse((await tessera("--json", "findings", "list", "--state", "open")).out).items).toEqual([]);

    const detectors = await tessera("detectors", "list");
    expect(detectors.out).toMatch(/new_user_agent\s+medium\s+alert\s+7d/);
    const set = await tessera("detectors", "set", "volume_spike", "--param", "deviations=8", "--mode", "suspend");
    expect(set.code, set.err).toBe(0);
    expect(set.out).toBe("volume_spike: suspend, learning 7d\n");
    const bad = await tessera("detectors", "set", "volume_spike", "--param", "deviations=0");
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain("deviations");
  });
});
