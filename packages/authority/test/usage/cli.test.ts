/** `tessera keys usage <id>` against a real authority, after a verifier's usage report. */
import { afterAll, beforeAll, expect, it } from "vitest";
import { sparkline } from "../../src/cli/commands/keys-usage.js";
import { type CliAuthority, startCliAuthority } from "../cli-authority.js";
import { describeEachStore } from "../stores.js";

describeEachStore("tessera keys usage", (kind) => {
  let cli: CliAuthority;
  const tessera = (...argv: string[]) => cli.tessera(...argv);
  beforeAll(async () => {
    cli = await startCliAuthority(kind);
  });
  afterAll(() => cli.close());

  it("shows totals by outcome, a sparkline, and the addresses, user agents and routes seen", async () => {
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
    const entry = { keyId, kind: "api_key", route: "GET /orders", address: "198.51.100.7", userAgent: "billing/2.1" };
    const response = await fetch(`${cli.server.url}/v1/verifiers/usage`, {
      method: "POST",
      headers: { authorization: `Bearer ${cli.env.TESSERA_ADMIN_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({
        verifierId: "vfy_cli_test",
        dropped: 0,
        entries: [
          { ...entry, outcome: "ok", count: 12, lastAt: Date.now() },
          { ...entry, outcome: "scope_insufficient", count: 2, lastAt: Date.now() },
        ],
      }),
    });
    expect(response.status).toBe(204);
    await cli.server.authority.usageStore.flush();

    const shown = await tessera("keys", "usage", keyId, "--bucket", "minute");
    expect(shown.code, shown.err).toBe(0);
    expect(shown.out).toContain("verifications: ok 12, scope_insufficient 2");
    expect(shown.out).toContain("198.51.100.7");
    expect(shown.out).toContain("198.51.100.0/24");
    expect(shown.out).toContain("billing/2.1");
    expect(shown.out).toContain("GET /orders");
    expect(shown.out).toContain("█");
    const asJson = JSON.parse((await tessera("--json", "keys", "usage", keyId)).out);
    expect(asJson).toMatchObject({ keyId, bucket: "hour", totals: { ok: 12, scope_insufficient: 2 } });

    const bad = await tessera("keys", "usage", keyId, "--bucket", "week");
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain("bucket");
  });
});

it("draws a sparkline scaled to the largest value", () => {
  expect(sparkline([0, 0, 0])).toBe("▁▁▁");
  expect(sparkline([0, 4, 8])).toBe("▁▄█");
});
