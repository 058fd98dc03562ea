/**
 * Envoy's gRPC ext_authz (`envoy.service.auth.v3.Authorization/Check`) against a real authority,
 * called with a gRPC client built from the same proto (Envoy's field numbers).
 */
import { credentials } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGateway, loadExtAuthzPackage, parseRules, type RunningGateway } from "../src/index.js";
import { eventually, startTestAuthority, type TestAuthority } from "./authority.js";

interface HeaderOption {
  header: { key: string; value: string };
  append_action: number;
}
interface CheckResponse {
  status: { code: number; message: string };
  http_response: "ok_response" | "denied_response";
  ok_response?: { headers: HeaderOption[]; headers_to_remove: string[] };
  denied_response?: { status: { code: number }; headers: HeaderOption[]; body: string };
}

let authority: TestAuthority;
let gateway: RunningGateway;
let ruled: RunningGateway;
// biome-ignore lint/suspicious/noExplicitAny: a client generated at run time from the proto
let client: any;
// biome-ignore lint/suspicious/noExplicitAny: idem
let ruledClient: any;

beforeAll(async () => {
  authority = await startTestAuthority();
  gateway = await createGateway({
    url: authority.url,
    credential: authority.adminKey,
    grpc: { host: "127.0.0.1", port: 0 },
  });
  ruled = await createGateway({
    url: authority.url,
    credential: authority.adminKey,
    grpc: { host: "127.0.0.1", port: 0 },
    rules: parseRules(
      "rules:\n  - path: /public/**\n    anonymous: true\n  - path: /orders/**\n    scopes: [orders:read]\n",
    ),
  });
  await Promise.all([gateway.verifier.ready(20_000), ruled.verifier.ready(20_000)]);
  const { Authorization } = loadExtAuthzPackage();
  client = new Authorization(gateway.grpcAddress, credentials.createInsecure());
  ruledClient = new Authorization(ruled.grpcAddress, credentials.createInsecure());
});
afterAll(async () => {
  client?.close();
  ruledClient?.close();
  await ruled?.close();
  await gateway?.close();
  await authority?.close();
});

function check(
  target: typeof client,
  http: { method?: string; path?: string; headers?: Record<string, string> },
  contextExtensions: Record<string, string> = {},
): Promise<CheckResponse> {
  const request = {
    attributes: {
      source: { address: { socket_address: { address: "198.51.100.7", port_value: 40000 } } },
      request: {
        http: { method: "GET", path: "/orders/1", host: "api.example", scheme: "https", headers: {}, ...http },
      },
      context_extensions: contextExtensions,
    },
  };
  return new Promise((resolve, reject) =>
    target.Check(request, (error: Error | null, response: CheckResponse) =>
      error ? reject(error) : resolve(response),
    ),
  );
}
const headersOf = (options: HeaderOption[] = []) =>
  Object.fromEntries(options.map((o) => [o.header.key, o.header.value]));

describe("gRPC Authorization/Check", () => {
  it("allows a valid key with identity headers that overwrite the client's", async () => {
    const key = await authority.key(["orders:read"]);
    await eventually(() => gateway.verifier.verify(key.secret).ok);
    const seen: { address: string; route: string }[] = [];
    const record = gateway.verifier.recordUsage.bind(gateway.verifier);
    gateway.verifier.recordUsage = (entry) => void seen.push(entry);
    const answer = await check(
      client,
      { path: "/orders/1?x=1", headers: { authorization: `Bearer ${key.secret}`, "user-agent": "envoy-test" } },
      { scope: "orders:read" },
    );
    gateway.verifier.recordUsage = record;
    expect(answer.status.code).toBe(0);
    expect(answer.http_response).toBe("ok_response");
    expect(headersOf(answer.ok_response?.headers)).toEqual({
      "x-tessera-principal": key.principalId,
      "x-tessera-key-id": key.id,
      "x-tessera-scopes": "orders:read",
    });
    expect(answer.ok_response?.headers.every((o) => o.append_action === 2)).toBe(true);
    expect(answer.ok_response?.headers_to_remove).toContain("x-tessera-token-id");
    expect(seen[0]).toMatchObject({ address: "198.51.100.7", route: "/orders/1" });
  });

  it("denies none, garbage and revoked with 401 and missing scope with 403, in Envoy's denied_response", async () => {
    const revoked = await authority.key(["orders:read"]);
    const narrow = await authority.key(["billing:read"]);
    await eventually(() => gateway.verifier.verify(revoked.secret).ok && gateway.verifier.verify(narrow.secret).ok);
    await authority.revoke(revoked.id);
    await eventually(() => !gateway.verifier.verify(revoked.secret).ok);
    const none = await check(client, {}, { scope: "orders:read" });
    expect(none.status.code).toBe(16);
    expect(none.denied_response?.status.code).toBe(401);
    expect(headersOf(none.denied_response?.headers)["www-authenticate"]).toBe('Bearer realm="tessera"');
    for (const token of ["garbage", revoked.secret]) {
      const answer = await check(client, { headers: { authorization: `Bearer ${token}` } }, { scope: "orders:read" });
      expect(answer.denied_response?.status.code).toBe(401);
      expect(answer.denied_response?.body).not.toContain(token);
    }
    const forbidden = await check(
      client,
      { headers: { authorization: `Bearer ${narrow.secret}` } },
      { scope: "orders:read" },
    );
    expect(forbidden.status.code).toBe(7);
    expect(forbidden.denied_response?.status.code).toBe(403);
    expect(headersOf(forbidden.denied_response?.headers)["www-authenticate"]).toContain("insufficient_scope");
  });

  it("uses the rules file when there is one (context extensions cannot lower it), default deny", async () => {
    const key = await authority.key(["billing:read"]);
    await eventually(() => ruled.verifier.verify(key.secret).ok);
    const auth = { authorization: `Bearer ${key.secret}` };
    expect(
      (await check(ruledClient, { path: "/orders/1", headers: auth }, { scope: "billing:read" })).denied_response
        ?.status.code,
    ).toBe(403);
    expect((await check(ruledClient, { path: "/public/x" })).status.code).toBe(0);
    expect((await check(ruledClient, { path: "/admin", headers: auth })).denied_response?.status.code).toBe(403);
  });
});
