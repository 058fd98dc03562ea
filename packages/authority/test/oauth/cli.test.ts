import { afterAll, beforeAll, expect, it } from "vitest";
import type { CliIO } from "../../src/cli/io.js";
import { runCli } from "../../src/cli/program.js";
import { loadConfig } from "../../src/config.js";
import { type RunningAuthority, startAuthority } from "../../src/server.js";
import { codeAt } from "../stepup/helpers.js";
import { createTestStore, describeEachStore, type TestStore } from "../stores.js";

describeEachStore("tessera signing-keys", (kind) => {
  let store: TestStore;
  let running: RunningAuthority;
  let adminKey: string;

  beforeAll(async () => {
    store = await createTestStore(kind);
    running = await startAuthority(loadConfig({}, { databaseUrl: store.url, port: 0 }), { logger: false });
    adminKey = running.bootstrap.rootKey?.secret as string;
  });
  afterAll(async () => {
    await running?.close();
    await store?.drop();
  });

  async function tessera(...argv: string[]) {
    const out: string[] = [];
    const io: CliIO = {
      out: (t) => void out.push(t),
      err: (t) => void out.push(t),
      env: { TESSERA_URL: running.url, TESSERA_ADMIN_KEY: adminKey },
      isTTY: false,
    };
    const code = await runCli(argv, io);
    return { code, out: out.join("") };
  }

  it("lists, rotates and retires signing keys through the admin API", async () => {
    await running.authority.oauth.signingKeys.ensure();
    const listed = await tessera("--json", "signing-keys", "list");
    expect(listed.code).toBe(0);
    const [first] = JSON.parse(listed.out).items as { kid: string; state: string }[];
    expect(first?.state).toBe("current");

    const rotated = await tessera("signing-keys", "rotate", "--reason", "quarterly");
    expect(rotated.code).toBe(0);
    expect(rotated.out).toMatch(/^published \S+; it signs from \d{4}-/);
    const again = await tessera("signing-keys", "rotate");
    expect(again.code).toBe(1);
    expect(again.out).toMatch(/already published/);

    const table = await tessera("signing-keys", "list");
    expect(table.out).toMatch(/next/);
    expect(table.out).toMatch(/retiring/);

    // Retirement needs step-up: the root principal enrols TOTP first.
    const rootPrincipal = running.bootstrap.principalId;
    const actor = { id: rootPrincipal, scopes: new Set(["signing-keys:write"]) };
    const enrolment = await running.authority.stepUp.enrol(actor);
    await running.authority.stepUp.activate(actor, codeAt(enrolment.secret, Date.now()));
    const withoutOtp = await tessera(
      "signing-keys",
      "retire",
      first?.kid as string,
      "--reason",
      "exposed",
      "--emergency",
    );
    expect(withoutOtp.code).toBe(1);
    expect(withoutOtp.out).toContain("--otp");
    const retired = await tessera(
      "signing-keys",
      "retire",
      first?.kid as string,
      "--reason",
      "exposed",
      "--emergency",
      "--otp",
      // A recovery code: a second TOTP code could fall in the step just used (replay refused).
      enrolment.recoveryCodes[0] as string,
      "--justification",
      "INC-7",
    );
    // The output beside the code, so that a failure says why.
    expect({ code: retired.code, out: retired.out }).toMatchObject({ code: 0 });
    expect(retired.out).toMatch(new RegExp(`^retired ${first?.kid} at .*; \\S+ signs from now`));
    const states = JSON.parse((await tessera("--json", "signing-keys", "list")).out).items.map(
      (k: { state: string; emergency: boolean }) => `${k.state}${k.emergency ? "!" : ""}`,
    );
    expect(states.sort()).toEqual(["current", "next", "retired!"]);
    expect(await running.authority.audit.list({ action: "signing_key.retired" })).toMatchObject({
      items: [{ reason: "exposed" }],
    });
  });

  it("refuses without the admin scope", async () => {
    const out: string[] = [];
    const code = await runCli(["signing-keys", "rotate"], {
      out: (t) => void out.push(t),
      err: (t) => void out.push(t),
      env: { TESSERA_URL: running.url, TESSERA_ADMIN_KEY: "tsk_notavalidkey" },
      isTTY: false,
    });
    expect(code).toBe(1);
    expect(out.join("")).toMatch(/unauthenticated/);
  });
});
