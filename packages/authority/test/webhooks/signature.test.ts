/**
 * Signatures: the signer, the exported verifier, and the receiver snippet exactly as
 * docs/webhooks.md shows it (extracted from the document and run).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newSigningSecret } from "../../src/webhooks/ids.js";
import { signatureHeader, signatureOf } from "../../src/webhooks/signature.js";
import { standardHeaders } from "../../src/webhooks/standard-signature.js";
import { verifyWebhookSignature } from "../../src/webhooks/verify-signature.js";

const secret = "whsec_0123456789abcdefghijABCDEFGHIJ0123456789";
const other = "whsec_ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ";
const body = JSON.stringify({
  id: "evt_1",
  type: "key.revoked",
  createdAt: "2026-01-01T00:00:00.000Z",
  data: { keyIds: ["key_1"] },
});
const now = 1_767_225_600;

describe("webhook signatures", () => {
  it("signs <t>.<body> with HMAC-SHA256, hex, one v1 per secret", () => {
    const header = signatureHeader([secret, other], now, body);
    const [t, v1a, v1b] = header.split(",");
    expect(t).toBe(`t=${now}`);
    expect(v1a).toBe(`v1=${signatureOf(secret, now, body)}`);
    expect(v1b).toBe(`v1=${signatureOf(other, now, body)}`);
    expect(signatureOf(secret, now, body)).toMatch(/^[0-9a-f]{64}$/);
    expect(signatureOf(secret, now, body)).not.toBe(signatureOf(secret, now + 1, body));
  });

  it("verifies a good signature, with either secret during a rotation", () => {
    const header = signatureHeader([secret, other], now, body);
    expect(verifyWebhookSignature(body, header, secret, 300, now)).toEqual({ ok: true, timestamp: now });
    expect(verifyWebhookSignature(Buffer.from(body), header, other, 300, now + 299)).toEqual({
      ok: true,
      timestamp: now,
    });
  });

  it("refuses a changed body, a wrong secret, an old or future timestamp, and malformed headers", () => {
    const header = signatureHeader([secret], now, body);
    expect(verifyWebhookSignature(`${body} `, header, secret, 300, now)).toEqual({
      ok: false,
      reason: "no_matching_signature",
    });
    expect(verifyWebhookSignature(body, header, other, 300, now)).toEqual({
      ok: false,
      reason: "no_matching_signature",
    });
    expect(verifyWebhookSignature(body, header, secret, 300, now + 301)).toEqual({
      ok: false,
      reason: "timestamp_out_of_tolerance",
    });
    expect(verifyWebhookSignature(body, header, secret, 300, now - 301)).toEqual({
      ok: false,
      reason: "timestamp_out_of_tolerance",
    });
    // Re-stamping the header without re-signing fails: the timestamp is signed.
    const restamped = header.replace(`t=${now}`, `t=${now + 100}`);
    expect(verifyWebhookSignature(body, restamped, secret, 300, now)).toEqual({
      ok: false,
      reason: "no_matching_signature",
    });
    for (const bad of [
      undefined,
      "",
      "t=abc,v1=00",
      `t=${now}`,
      `v1=${"a".repeat(64)}`,
      `t=${now},v1=xyz`,
      "x".repeat(5000),
    ]) {
      expect(verifyWebhookSignature(body, bad, secret, 300, now)).toEqual({ ok: false, reason: "malformed" });
    }
  });
});

describe("the receiver snippet in docs/webhooks.md", () => {
  let verifyTesseraSignature: (
    rawBody: string | Buffer,
    header: string | undefined,
    secret: string,
    tolerance?: number,
  ) => boolean;

  beforeAll(async () => {
    const doc = readFileSync(new URL("../../../../docs/webhooks.md", import.meta.url), "utf8");
    const match = /<!-- snippet:verify -->\s*```js\n([\s\S]*?)```/.exec(doc);
    expect(match, "docs/webhooks.md has the verify snippet").not.toBeNull();
    const dir = mkdtempSync(join(tmpdir(), "tessera-snippet-"));
    const file = join(dir, "verify.mjs");
    writeFileSync(file, match?.[1] ?? "");
    ({ verifyTesseraSignature } = await import(pathToFileURL(file).href));
  });

  it("accepts what the authority signs and refuses tampering, a wrong secret and stale timestamps", () => {
    const t = Math.floor(Date.now() / 1000);
    const header = signatureHeader([secret], t, body);
    expect(verifyTesseraSignature(body, header, secret)).toBe(true);
    expect(verifyTesseraSignature(Buffer.from(body), header, secret)).toBe(true);
    expect(verifyTesseraSignature(`${body}x`, header, secret)).toBe(false);
    expect(verifyTesseraSignature(body, header, other)).toBe(false);
    expect(verifyTesseraSignature(body, signatureHeader([secret], t - 301, body), secret)).toBe(false);
    expect(verifyTesseraSignature(body, signatureHeader([other, secret], t, body), secret)).toBe(true);
    expect(verifyTesseraSignature(body, undefined, secret)).toBe(false);
    expect(verifyTesseraSignature(body, `t=${t},v1=short`, secret)).toBe(false);
  });
});

/** A fenced block of docs/webhooks.md, by its `<!-- snippet:NAME -->` marker. */
function docSnippet(name: string): string {
  const doc = readFileSync(new URL("../../../../docs/webhooks.md", import.meta.url), "utf8");
  const match = new RegExp(`<!-- snippet:${name} -->\\s*\`\`\`js\\n([\\s\\S]*?)\`\`\``).exec(doc);
  expect(match, `docs/webhooks.md has the ${name} snippet`).not.toBeNull();
  return match?.[1] ?? "";
}

describe("Standard Webhooks: the snippet in docs/webhooks.md, on the standardwebhooks library", () => {
  type Verify = (rawBody: string, headers: Record<string, string>, secret: string) => unknown;
  let verifyDelivery: Verify;
  // Inside the package, so that the snippet's `import "standardwebhooks"` resolves as in an app.
  const dir = mkdtempSync(join(new URL("../..", import.meta.url).pathname, ".snippet-"));
  beforeAll(async () => {
    const file = join(dir, "standard.mjs");
    writeFileSync(file, docSnippet("standard"));
    ({ verifyDelivery } = await import(pathToFileURL(file).href));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const t = () => Math.floor(Date.now() / 1000);

  it("verifies what the authority signs, with a new secret and with a pre-0.2 base62 one", () => {
    const fresh = newSigningSecret();
    expect(fresh).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    for (const s of [fresh, secret]) {
      const headers = standardHeaders([s], "evt_1", t(), body);
      expect(verifyDelivery(body, headers, s)).toEqual(JSON.parse(body));
    }
  });

  it("accepts either secret during a rotation and refuses tampering, a wrong secret, a replayed id and stale times", () => {
    const rotation = standardHeaders([secret, other], "evt_1", t(), body);
    expect(rotation["webhook-signature"].split(" ")).toHaveLength(2);
    expect(verifyDelivery(body, rotation, other)).toEqual(JSON.parse(body));
    const headers = standardHeaders([secret], "evt_1", t(), body);
    expect(() => verifyDelivery(`${body} `, headers, secret)).toThrow();
    expect(() => verifyDelivery(body, headers, other)).toThrow();
    // The id is signed: the same signature under another id fails.
    expect(() => verifyDelivery(body, { ...headers, "webhook-id": "evt_2" }, secret)).toThrow();
    expect(() => verifyDelivery(body, standardHeaders([secret], "evt_1", t() - 301, body), secret)).toThrow();
    expect(() => verifyDelivery(body, standardHeaders([secret], "evt_1", t() + 301, body), secret)).toThrow();
  });
});
