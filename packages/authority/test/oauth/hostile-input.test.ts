import { afterAll, beforeAll, expect, it } from "vitest";
import { describeEachStore } from "../stores.js";
import { createOAuthHarness, type OAuthHarness } from "./helpers.js";

const GARBAGE = [
  "",
  " ",
  "\u0000",
  "%",
  "😀".repeat(50),
  "a".repeat(9000),
  "eyJ.eyJ.eyJ",
  "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
  "tsr_",
  "tsk_00000000000000000000000000000000000000",
  "Basic Og==",
  "../../etc/passwd",
  "<script>",
  "null",
  "[]",
  "{}",
];

describeEachStore("OAuth endpoints under hostile input", (kind) => {
  let h: OAuthHarness;
  let client: { id: string; secret: string };
  beforeAll(async () => {
    h = await createOAuthHarness(kind);
    client = await h.client({ oauth: { refreshTokens: true } });
  });
  afterAll(async () => {
    await h.close();
  });

  it("answers every garbage parameter with an RFC error or 200, never a 5xx, and issues nothing", async () => {
    const endpoints: [string, string[]][] = [
      ["/oauth/token", ["grant_type", "scope", "resource", "refresh_token", "client_id", "client_secret"]],
      ["/oauth/introspect", ["token", "token_type_hint", "client_id"]],
      ["/oauth/revoke", ["token", "token_type_hint", "client_id"]],
    ];
    for (const [path, names] of endpoints) {
      for (const name of names) {
        for (const value of GARBAGE) {
          const base: Record<string, string> =
            path === "/oauth/token" ? { grant_type: "refresh_token", refresh_token: "x" } : { token: "x" };
          const withAuth = name !== "client_id" && name !== "client_secret";
          const res = await h.form(path, { ...base, [name]: value }, withAuth ? h.basic(client.id, client.secret) : {});
          expect(res.statusCode, `${path} ${name}=${JSON.stringify(value).slice(0, 40)}`).toBeLessThan(500);
          if (res.statusCode !== 200) {
            expect(res.json().error).toMatch(/^[a-z_]+$/);
            expect(res.headers["cache-control"]).toBe("no-store");
          }
        }
      }
    }
    for (const header of GARBAGE) {
      const res = await h.form(
        "/oauth/token",
        { grant_type: "client_credentials" },
        { authorization: `Basic ${Buffer.from(header).toString("base64")}` },
      );
      expect(res.statusCode).toBe(401);
      const dpop = await h.form(
        "/oauth/token",
        { grant_type: "client_credentials" },
        { ...h.basic(client.id, client.secret), dpop: header || "x" },
      );
      expect(dpop.statusCode).toBe(400);
    }
    expect(await h.count("oauth_grant_families")).toBe(0);
  });
});
