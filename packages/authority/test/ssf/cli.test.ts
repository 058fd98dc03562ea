/** `tessera ssf transmitters add|list|remove` and `tessera ssf streams`, against a real authority. */
import { afterAll, beforeAll, expect, it } from "vitest";
import { type CliAuthority, startCliAuthority } from "../cli-authority.js";
import { describeEachStore } from "../stores.js";

describeEachStore("tessera ssf", (kind) => {
  let cli: CliAuthority;
  beforeAll(async () => {
    cli = await startCliAuthority(kind);
  });
  afterAll(async () => {
    await cli.close();
  });

  it("adds, lists and removes a trusted transmitter, and lists streams", async () => {
    const added = await cli.tessera(
      "ssf",
      "transmitters",
      "add",
      "https://idp.example",
      "--jwks-uri",
      "https://idp.example/jwks",
      "--audience",
      "https://tessera.example",
      "--json",
    );
    expect(added.err).toBe("");
    expect(added.code).toBe(0);
    const transmitter = JSON.parse(added.out) as { id: string; action: string };
    expect(transmitter.action).toBe("disable");
    const listed = await cli.tessera("ssf", "transmitters", "list");
    expect(listed.out).toContain("https://idp.example");
    expect(listed.out).toContain(transmitter.id);
    const noKeys = await cli.tessera("ssf", "transmitters", "add", "https://other.example", "--audience", "a");
    expect(noKeys.code).not.toBe(0);
    expect(noKeys.err).toContain("--jwks-uri");
    expect((await cli.tessera("ssf", "transmitters", "remove", transmitter.id)).out).toContain(
      `removed ${transmitter.id}`,
    );
    expect((await cli.tessera("ssf", "transmitters", "list", "--json")).out).toContain('"items": []');
    expect((await cli.tessera("ssf", "streams")).code).toBe(0);
  });
});
