import { writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createAuthorityClient, MAX_BATCH } from "../src/remediation.js";
import { checksummed, cli, tempDir, tesseraToken } from "./helpers.js";

const ADMIN_KEY = "tsk_admin_credential_for_tests";

interface Authority {
  url: string;
  requests: { path: string; auth: string | undefined; body: Record<string, unknown> }[];
  /** Token -> status known to the authority. */
  keys: Map<string, { status: string; keyId: string }>;
  fail?: { status: number; body: unknown };
  close(): Promise<void>;
}

/** A minimal authority implementing the leak endpoints of the contract. */
async function startAuthority(): Promise<Authority> {
  const authority: Partial<Authority> = { requests: [], keys: new Map() };
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
    authority.requests?.push({ path: req.url ?? "", auth: req.headers.authorization, body });
    const send = (status: number, payload: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(payload));
    };
    if (authority.fail) return send(authority.fail.status, authority.fail.body);
    if (req.headers.authorization !== `Bearer ${ADMIN_KEY}`) {
      return send(401, { error: { code: "unauthenticated", message: "bad admin key", requestId: "req_1" } });
    }
    if (req.method === "POST" && req.url === "/v1/leaks/check") {
      const tokens = body.tokens as string[];
      if (tokens.length > MAX_BATCH)
        return send(400, { error: { code: "validation_failed", message: "too many", requestId: "req_2" } });
      return send(200, {
        results: tokens.map((t, index) => ({
          index,
          status: authority.keys?.get(t)?.status ?? "unknown",
          keyId: authority.keys?.get(t)?.keyId ?? null,
        })),
      });
    }
    if (req.method === "POST" && req.url === "/v1/leaks") {
      const leaks = body.leaks as { token: string }[];
      if (body.action !== "revoke" || leaks.length > MAX_BATCH)
        return send(400, { error: { code: "validation_failed", message: "bad", requestId: "r" } });
      // Answer in reverse order: the client must order by index.
      const results = leaks.map((l, index) => {
        const key = authority.keys?.get(l.token);
        const statusBefore = key?.status ?? "unknown";
        if (key && key.status === "active") key.status = "revoked";
        return {
          index,
          keyId: key?.keyId ?? null,
          statusBefore,
          actionTaken: statusBefore === "active" ? "revoked" : "none",
        };
      });
      return send(200, { results: results.reverse() });
    }
    send(404, { error: { code: "not_found", message: "no route", requestId: "r" } });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  authority.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  authority.close = () => new Promise((resolve) => server.close(() => resolve()));
  return authority as Authority;
}

let dir: ReturnType<typeof tempDir>;
let authority: Authority;
beforeEach(async () => {
  dir = tempDir();
  authority = await startAuthority();
});
afterEach(async () => {
  dir.cleanup();
  await authority.close();
});

const env = { TESSERA_ADMIN_KEY: ADMIN_KEY };

describe("liveness", () => {
  it("checks each distinct Tessera token once, sends nothing else, and says what it found per finding", async () => {
    const live = tesseraToken();
    const dead = tesseraToken();
    const github = checksummed("ghp_");
    authority.keys.set(live, { status: "active", keyId: "key_live" });
    authority.keys.set(dead, { status: "revoked", keyId: "key_dead" });
    writeFileSync(join(dir.path, "a.txt"), `${live}\n${dead}\n${live}\n${github}\n`);
    const result = await cli(["--url", authority.url, "--format", "json", dir.path], { env });
    expect(result.code).toBe(1);
    expect(authority.requests).toHaveLength(1);
    expect(authority.requests[0]).toMatchObject({
      path: "/v1/leaks/check",
      auth: `Bearer ${ADMIN_KEY}`,
      body: { tokens: [live, dead] },
    });
    expect(JSON.stringify(authority.requests)).not.toContain(github);
    const findings = JSON.parse(result.stdout).findings;
    expect(findings.map((f: { liveness?: unknown }) => f.liveness)).toEqual([
      { status: "active", keyId: "key_live" },
      { status: "revoked", keyId: "key_dead" },
      { status: "active", keyId: "key_live" },
      undefined,
    ]);
    const text = await cli(["--url", authority.url, dir.path], { env });
    expect(text.stdout).toContain("authority: active (key_live) - still valid, revoke it (--revoke)");
  });

  it("batches at most 500 tokens per request", async () => {
    const tokens = Array.from({ length: 1203 }, () => tesseraToken());
    writeFileSync(join(dir.path, "many.txt"), tokens.join("\n"));
    const result = await cli(["--url", authority.url, "--format", "json", dir.path], { env });
    expect(result.code).toBe(1);
    expect(authority.requests.map((r) => (r.body.tokens as string[]).length)).toEqual([500, 500, 203]);
    expect(
      JSON.parse(result.stdout).findings.every(
        (f: { liveness?: { status: string } }) => f.liveness?.status === "unknown",
      ),
    ).toBe(true);
  });

  it("needs the credential in the environment", async () => {
    writeFileSync(join(dir.path, "a.txt"), tesseraToken());
    const result = await cli(["--url", authority.url, dir.path]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/TESSERA_ADMIN_KEY/);
    const custom = await cli(["--url", authority.url, "--credential-env", "MY_KEY", dir.path], {
      env: { MY_KEY: ADMIN_KEY },
    });
    expect(custom.code).toBe(1);
  });
});

describe("revoke", () => {
  it("finds the authority in TESSERA_URL when --url is not given", async () => {
    const live = tesseraToken();
    authority.keys.set(live, { status: "active", keyId: "key_env" });
    writeFileSync(join(dir.path, "b.env"), `KEY=${live}\n`);
    const result = await cli(["--revoke", "--format", "json", dir.path], {
      env: { ...env, TESSERA_URL: authority.url },
    });
    expect(result.code).toBe(1);
    expect(authority.requests.at(-1)?.path).toBe("/v1/leaks");
    const without = await cli(["--revoke", dir.path], { env });
    expect(without.code).toBe(2);
    expect(without.stderr).toContain("pass --url or set TESSERA_URL");
  });

  it("revokes live tokens with their location and reports the action per finding", async () => {
    const live = tesseraToken();
    authority.keys.set(live, { status: "active", keyId: "key_1" });
    const unknown = tesseraToken();
    writeFileSync(join(dir.path, "a.env"), `\nKEY=${live}\nOTHER=${unknown}\n`);
    const result = await cli(["--url", authority.url, "--revoke", "--format", "json", dir.path], { env });
    expect(result.code).toBe(1);
    expect(authority.requests).toHaveLength(1);
    const request = authority.requests[0];
    expect(request?.path).toBe("/v1/leaks");
    expect(request?.body).toMatchObject({
      action: "revoke",
      leaks: [
        { token: live, location: `${join(dir.path, "a.env")}:2:5`, detector: "tessera" },
        { token: unknown, location: `${join(dir.path, "a.env")}:3:7`, detector: "tessera" },
      ],
    });
    const findings = JSON.parse(result.stdout).findings;
    expect(findings[0].remediation).toEqual({ keyId: "key_1", statusBefore: "active", actionTaken: "revoked" });
    expect(findings[1].remediation).toEqual({ keyId: null, statusBefore: "unknown", actionTaken: "none" });
    expect(authority.keys.get(live)?.status).toBe("revoked");
    const text = await cli(["--url", authority.url, "--revoke", dir.path], { env });
    expect(text.stdout).toContain("authority: was revoked (key_1), action: none");
  });

  it("authority down: findings still reported, failure on stderr, exit code 2", async () => {
    const token = tesseraToken();
    writeFileSync(join(dir.path, "a.txt"), token);
    const url = authority.url;
    await authority.close();
    authority.close = async () => {};
    const result = await cli(["--url", url, "--revoke", dir.path], { env });
    expect(result.code).toBe(2);
    expect(result.stdout).toContain(token.slice(0, 8));
    expect(result.stderr).toMatch(/revocation failed: authority at .* is unreachable/);
    expect(result.stderr).not.toContain(token);
  });

  it("authority error: its code, message and request id are shown, exit code 2", async () => {
    writeFileSync(join(dir.path, "a.txt"), tesseraToken());
    authority.fail = {
      status: 503,
      body: { error: { code: "unavailable", message: "database is down", requestId: "req_42" } },
    };
    const result = await cli(["--url", authority.url, "--revoke", "--format", "json", dir.path], { env });
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout).findings).toHaveLength(1);
    expect(result.stderr).toContain("authority answered 503 unavailable: database is down (request req_42)");
  });

  it("wrong credential is an error, not a clean run", async () => {
    writeFileSync(join(dir.path, "a.txt"), tesseraToken());
    const result = await cli(["--url", authority.url, dir.path], { env: { TESSERA_ADMIN_KEY: "wrong" } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("401 unauthenticated");
  });

  it("a malformed answer is rejected", async () => {
    authority.fail = { status: 200, body: { results: [{ index: 5, status: "active", keyId: null }] } };
    const client = createAuthorityClient({ url: authority.url, credential: ADMIN_KEY });
    await expect(client.check([tesseraToken()])).rejects.toMatchObject({ code: "authority_bad_response" });
  });

  it("refuses plain http to a non-loopback host, and URLs with credentials", () => {
    expect(() => createAuthorityClient({ url: "http://authority.example.com", credential: "k" })).toThrow(/plain HTTP/);
    expect(() =>
      createAuthorityClient({ url: "http://authority.example.com", credential: "k", allowInsecureHttp: true }),
    ).not.toThrow();
    expect(() => createAuthorityClient({ url: "https://u:p@authority.example.com", credential: "k" })).toThrow(
      /credentials/,
    );
  });

  it("--revoke without --url is a usage error", async () => {
    expect((await cli(["--revoke", dir.path], { env })).code).toBe(2);
  });
});
