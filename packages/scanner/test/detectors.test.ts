import { checksumOf } from "@tessera/verifier";
import { describe, expect, it } from "vitest";
import { genericDetector, looksSecret } from "../src/detectors/generic.js";
import { createPrefilter } from "../src/prefilter.js";
import { checksummed, corrupt, findIn, random62, tesseraToken } from "./helpers.js";

const ids = (text: string, options?: { prefixes?: string[] }) => findIn(text, options).map((f) => f.detector);

describe("tessera detector", () => {
  it("finds every generated token of the default prefixes, in any surrounding", () => {
    for (let i = 0; i < 300; i++) {
      const token = tesseraToken(i % 2 === 0 ? "tsk" : "tsr");
      const surround = ["", "x", "_", "=", '"', "/", "a1", "\t", "é"][i % 9] as string;
      const found = findIn(`${surround}${token}${surround}`);
      expect(found.filter((f) => f.detector === "tessera").map((f) => f.secret)).toEqual([token]);
    }
  });

  it("reports nothing whose checksum fails", () => {
    for (let i = 0; i < 300; i++) {
      const token = tesseraToken();
      const broken = [
        corrupt(token),
        token.slice(0, 10) + (token[10] === "a" ? "b" : "a") + token.slice(11),
        `tsk_${random62(38)}`,
      ];
      for (const b of broken) expect(ids(`key = ${b}`).filter((d) => d === "tessera")).toEqual([]);
    }
  });

  it("does not fall back to the generic detector for a token-shaped value that fails its checksum", () => {
    expect(findIn(`api_key = "${corrupt(tesseraToken())}"`)).toEqual([]);
    expect(findIn(`API_TOKEN=${corrupt(tesseraToken("tsr"))}\n`)).toEqual([]);
  });

  it("accepts deployment prefixes only when configured", () => {
    const token = tesseraToken("acme");
    expect(ids(token)).toEqual([]);
    expect(ids(token, { prefixes: ["acme"] })).toEqual(["tessera"]);
  });

  it("is case-sensitive on the prefix", () => {
    const token = tesseraToken();
    expect(ids(`TSK_${token.slice(4)}`)).toEqual([]);
  });

  it("reports line and column", () => {
    const token = tesseraToken();
    expect(findIn(`one\ntwo\n  héllo ${token}\n`)).toMatchObject([{ line: 3, column: 9 }]);
  });
});

describe("github detector", () => {
  it("finds classic tokens with a valid checksum", () => {
    for (const prefix of ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"]) {
      const token = checksummed(prefix);
      expect(findIn(`token: ${token}`)).toMatchObject([{ detector: "github", secret: token }]);
    }
  });

  it("ignores look-alikes with a wrong checksum", () => {
    for (let i = 0; i < 50; i++) expect(ids(corrupt(checksummed("ghp_")))).toEqual([]);
    expect(ids("ghp_16C7e42F292c6912E7710c838347Ae178B4a")).toEqual([]);
  });

  it("finds fine-grained PATs and long installation tokens", () => {
    const pat = `github_pat_${random62(22)}_${random62(59)}`;
    expect(findIn(pat)).toMatchObject([{ detector: "github", secret: pat }]);
    const ghs = `ghs_${random62(60)}`;
    expect(findIn(`"${ghs}"`)).toMatchObject([{ detector: "github", secret: ghs }]);
    expect(ids(`github_pat_${random62(22)}_${random62(20)}`)).toEqual([]);
  });
});

describe("npm detector", () => {
  it("checks the checksum", () => {
    const token = checksummed("npm_");
    expect(findIn(`//registry.npmjs.org/:_authToken=${token}`)).toMatchObject([{ detector: "npm", secret: token }]);
    expect(ids(corrupt(token))).toEqual([]);
  });
});

describe("third-party detectors", () => {
  it("gitlab", () => {
    const token = `glpat-${random62(20)}`;
    expect(findIn(token)).toMatchObject([{ detector: "gitlab", secret: token }]);
    expect(ids("glpat-xxxxxxxxxxxxxxxxxxxx")).toEqual([]);
  });

  it("aws pairs, and a key id alone is not reported", () => {
    const text =
      "aws_access_key_id = AKIAZ5JQ7VLM3XKT2HBN\naws_secret_access_key = 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\n";
    const found = findIn(text);
    expect(found).toMatchObject([
      { detector: "aws", secret: "AKIAZ5JQ7VLM3XKT2HBN:wJalrXUtnFEMI/K7MDENG/bPxRfiCYzq8h3k2Lm9", line: 1 },
    ]);
    expect(ids("id: AKIAZ5JQ7VLM3XKT2HBN")).toEqual([]);
    // The documented example pair is a placeholder.
    expect(ids("AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")).toEqual([]);
  });

  it("slack tokens and webhooks", () => {
    const bot = `xoxb-123456789012-1234567890123-${random62(24)}`;
    expect(findIn(bot)).toMatchObject([{ detector: "slack", secret: bot }]);
    const hook = `https://hooks.slack.com/services/T0ABCDEFG/B0ABCDEFG/${random62(24)}`;
    expect(findIn(`url: ${hook}`)).toMatchObject([{ detector: "slack", secret: hook }]);
    expect(ids("xoxb-your-token-here")).toEqual([]);
  });

  it("stripe live keys only", () => {
    const key = `sk_live_${random62(24)}`;
    expect(findIn(key)).toMatchObject([{ detector: "stripe", secret: key }]);
    expect(ids(`sk_test_${random62(24)}`)).toEqual([]);
  });

  it("openai", () => {
    const legacy = `sk-${random62(20)}T3BlbkFJ${random62(20)}`;
    expect(findIn(legacy)).toMatchObject([{ detector: "openai", secret: legacy }]);
    const project = `sk-proj-${random62(120)}`;
    expect(findIn(project)).toMatchObject([{ detector: "openai", secret: project }]);
    expect(ids(`risk-assessment-${"a".repeat(50)}`)).toEqual([]);
  });

  it("anthropic", () => {
    const key = `sk-ant-api03-${random62(93)}AA`;
    expect(findIn(key)).toMatchObject([{ detector: "anthropic", secret: key }]);
  });

  it("private key blocks, not mentions of the header", () => {
    const body = Array.from({ length: 6 }, () => random62(64)).join("\n");
    const pem = `-----BEGIN RSA PRIVATE KEY-----\n${body}\n-----END RSA PRIVATE KEY-----`;
    expect(findIn(`x\n${pem}\n`)).toMatchObject([{ detector: "private-key", secret: pem, line: 2 }]);
    const escaped = `"-----BEGIN PRIVATE KEY-----\\n${random62(64)}\\n${random62(64)}\\n-----END PRIVATE KEY-----\\n"`;
    expect(ids(escaped)).toEqual(["private-key"]);
    expect(ids(`if (pem.startsWith("-----BEGIN PRIVATE KEY-----")) return;`)).toEqual([]);
    expect(ids("-----BEGIN PUBLIC KEY-----\n" + random62(200))).toEqual([]);
  });

  it("jwt with a JSON header carrying alg", () => {
    const jwt =
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
    expect(findIn(`Authorization: Bearer ${jwt}`)).toMatchObject([{ detector: "jwt", secret: jwt }]);
    const noAlg = `${Buffer.from('{"typ":"JWT"}').toString("base64url")}.eyJzdWIiOiIxIn0.${random62(40)}`;
    expect(ids(noAlg)).toEqual([]);
    expect(ids(`eyJ${random62(40)}.eyJ${random62(40)}.${random62(40)}`)).toEqual([]);
  });

  it("database URLs with real passwords", () => {
    expect(findIn("DATABASE_URL=postgres://app:S3cr3tP4ss99@db.internal:5432/app")).toMatchObject([
      { detector: "database-url", secret: "S3cr3tP4ss99" },
    ]);
    for (const scheme of ["postgresql", "mysql", "mongodb+srv", "redis", "amqps"]) {
      expect(ids(`${scheme}://user:Zq8-rT4kLw@host/db`)).toEqual(["database-url"]);
    }
    for (const url of [
      "postgres://postgres:postgres@localhost/db",
      "postgres://user:${DB_PASSWORD}@db/app",
      "mysql://root:<password>@localhost",
      "postgres://user:password@localhost",
      "redis://:changeme@cache:6379",
      "https://user:Zq8-rT4kLw@example.com",
      "postgres://db.internal:5432/app",
    ]) {
      expect(ids(url), url).toEqual([]);
    }
  });
});

describe("generic detector", () => {
  it("fires on high-entropy assignments", () => {
    // A fixed value: a random one now and then contains a stop word ("todo", "test") and rightly stays quiet.
    const value = "q8ZxN3vLk2PwR7tYbM4cH9sJ";
    expect(ids(`const apiKey = "${value}1";`)).toEqual(["generic"]);
    expect(ids(`"client_secret": "${value}9",`)).toEqual(["generic"]);
    expect(ids(`SESSION_SECRET=${value}7\n`)).toEqual(["generic"]);
    expect(ids(`export AUTH_TOKEN=${value}3\n`)).toEqual(["generic"]);
    expect(ids(`db_password: "Xk9#mP2$vL8qR4"`)).toEqual(["generic"]);
  });

  it("ignores placeholders, templates, UUIDs, hashes and words", () => {
    const quiet = [
      'password = "changeme"',
      'api_key = "your_api_key_here"',
      'token = "xxxxxxxxxxxxxxxxxxxxxxxx"',
      'secret = "${SECRET_FROM_ENV}"',
      'token: "<token>"',
      'secret = "aaaaaaaaaaaaaaaaaaaaaaaa"',
      'api_key = "123e4567-e89b-12d3-a456-426614174000"',
      'token = "d41d8cd98f00b204e9800998ecf8427e"',
      'secret_sha = "da39a3ee5e6b4b0d3255bfef95601890afd80709"',
      'token = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"',
      'token_url = "https://auth.example.com/oauth/token12345"',
      "password = getPassword(user1234567)",
      'accessToken = "getAccessTokenFromProvider"',
      'secret = "this is not a secret at all"',
      "token = process.env.TOKEN_VALUE_123",
      'password_hash = "$2b$12$KIXQJQJ8y0o8r3F7uYc2Oe"',
      "if (token == otherToken123456789) {}",
      'max_tokens = "4096"',
      'example_secret = "EXAMPLE1234567890abcdef"',
    ];
    for (const line of quiet) expect(ids(line), line).toEqual([]);
  });

  it("finds the same without the bytes the engine passes (a direct caller's text)", () => {
    const text = `const apiKey = "${random62(24)}1";\nif (token == other) {}\n  secret = "${random62(24)}2";\n`;
    const hits = createPrefilter(genericDetector.keywords).find(Buffer.from(text, "latin1"));
    const withBytes = genericDetector.detect(text, hits, Buffer.from(text, "latin1"));
    expect(withBytes).toHaveLength(2);
    expect(genericDetector.detect(text, hits)).toEqual(withBytes);
  });

  it("scores values", () => {
    expect(looksSecret(random62(32), false)).toBe(true);
    expect(looksSecret("hello_world_config", false)).toBe(false);
    expect(looksSecret("short1", true)).toBe(false);
  });
});

describe("overlaps", () => {
  it("reports a specific detector rather than the generic one", () => {
    const token = tesseraToken();
    expect(ids(`api_key = "${token}"`)).toEqual(["tessera"]);
    const body = random62(30);
    expect(ids(`GITHUB_TOKEN="ghp_${body}${checksumOf(body)}"`)).toEqual(["github"]);
  });
});
