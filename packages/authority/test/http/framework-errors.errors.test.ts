/**
 * Errors raised by Fastify and Node's HTTP parser before any route runs answer in the one
 * error shape `{ error: { code, message, requestId } }` too, and never echo the request URL
 * (a 10 KB path once came back whole in a 414 body).
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { createHttpHarness, type HttpHarness } from "../http-harness.js";
import { describeEachStore } from "../stores.js";

describeEachStore("framework errors in the one shape", (kind) => {
  let h: HttpHarness;
  let base: string;

  beforeAll(async () => {
    h = await createHttpHarness(kind);
    base = await h.app.listen({ port: 0, host: "127.0.0.1" });
  });
  afterAll(async () => {
    await h.close();
  });

  const long = "a".repeat(10_000);
  const cases: [string, string, number, string][] = [
    ["a malformed percent-encoding", "/v1/keys/%E0%A4%A", 400, "invalid_url"],
    ["an invalid escape", "/v1/keys/%zz", 400, "invalid_url"],
    ["a 10 KB path parameter", `/v1/keys/${long}`, 414, "url_too_long"],
    ["a 10 KB unknown path", `/${long}`, 404, "not_found"],
    ["a 20 KB query string", `/v1/keys?x=${long}${long}`, 431, "headers_too_large"],
  ];
  for (const [what, path, status, code] of cases) {
    it(`${what}: ${status} ${code}, no echo`, async () => {
      const response = await fetch(base + path, { headers: { authorization: `Bearer ${h.root.secret}` } });
      expect(response.status).toBe(status);
      const text = await response.text();
      expect(text.length).toBeLessThan(400);
      expect(text).not.toContain("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
      const body = JSON.parse(text) as { error: { code: string; message: string; requestId: string } };
      expect(body.error.code).toBe(code);
      expect(body.error.requestId).toMatch(/^req_/);
      expect(body.error.message.length).toBeGreaterThan(10);
    });
  }

  it("masks a token put in an unknown path", async () => {
    const response = await fetch(`${base}/leak/${h.root.secret}`);
    expect(response.status).toBe(404);
    expect(await response.text()).not.toContain(h.root.secret);
  });
});
