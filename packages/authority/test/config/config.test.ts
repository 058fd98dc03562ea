/**
 * The options table is the one source of defaults: loadConfig, docs/configuration.md and
 * .env.example come from it, and a misspelt TESSERA_* variable is named with its likely fix.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderConfigurationTable, renderEnvExample, TABLE_END, TABLE_START } from "../../src/config/docs.js";
import { CONFIG_OPTIONS } from "../../src/config/options.js";
import { loadConfig, unknownVariableWarnings } from "../../src/config.js";

const root = new URL("../../../../", import.meta.url);

describe("configuration table", () => {
  it("gives the documented defaults when nothing is set", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      databaseUrl: "./data/tessera.db",
      host: "127.0.0.1",
      port: 7070,
      issuer: "http://localhost:7070",
      trustProxy: false,
      keyPrefix: "tsk",
      acceptedKeyPrefixes: ["tsk"],
      keyDefaultTtlMs: 90 * 86_400_000,
      rotationGraceMs: 24 * 3_600_000,
      dpopNonceRequired: false,
      leakAction: "revoke",
      sweepUnusedAfterMs: 0,
      jobsIntervalMs: 60_000,
      lifetimePolicies: [],
    });
    expect(config.masterKey.development).toBe(true);
  });

  it("reads variables, lets flags win, and derives the issuer from the effective port", () => {
    const config = loadConfig(
      { TESSERA_PORT: "8080", TESSERA_KEY_PREFIXES_ACCEPTED: "old, older", TESSERA_DPOP_NONCE: "required" },
      { port: 9090 },
    );
    expect(config.port).toBe(9090);
    expect(config.issuer).toBe("http://localhost:9090");
    expect(config.acceptedKeyPrefixes).toEqual(["tsk", "old", "older"]);
    expect(config.dpopNonceRequired).toBe(true);
  });

  it("names the variable of a bad value and keeps the ordering rules", () => {
    expect(() => loadConfig({ TESSERA_PORT: "70000" })).toThrow(/TESSERA_PORT must be a whole number from 0 to 65535/);
    expect(() => loadConfig({ TESSERA_LEAK_ACTION: "shout" })).toThrow(
      /TESSERA_LEAK_ACTION must be revoke, deprecate or notify/,
    );
    expect(() => loadConfig({ TESSERA_KEY_DEFAULT_TTL: "400d" })).toThrow(
      /TESSERA_KEY_DEFAULT_TTL must not exceed TESSERA_KEY_MAX_TTL/,
    );
  });

  it("parses TESSERA_TRUST_PROXY as on, off, a hop count or proxy addresses", () => {
    expect(loadConfig({ TESSERA_TRUST_PROXY: "on" }).trustProxy).toBe(true);
    expect(loadConfig({ TESSERA_TRUST_PROXY: "2" }).trustProxy).toBe(2);
    expect(loadConfig({ TESSERA_TRUST_PROXY: "10.0.0.0/8, ::1" }).trustProxy).toBe("10.0.0.0/8,::1");
    expect(() => loadConfig({ TESSERA_TRUST_PROXY: "proxy.internal" })).toThrow(/TESSERA_TRUST_PROXY must be/);
  });

  it("states every default once: every row has a variable, a doc, and a default that parses", () => {
    const names = Object.values(CONFIG_OPTIONS).map((row) => row.env);
    expect(new Set(names).size).toBe(names.length);
    for (const row of Object.values(CONFIG_OPTIONS)) {
      expect(row.env).toMatch(/^TESSERA_[A-Z0-9_]+$/);
      expect(row.doc.length).toBeGreaterThan(5);
    }
  });
});

describe("unknown TESSERA_* variables", () => {
  it("are named with the nearest known variable; known and foreign ones are not", () => {
    const warnings = unknownVariableWarnings({
      TESSERA_PROT: "7071",
      TESSERA_DATABSE_URL: "x",
      TESSERA_PORT: "7070",
      TESSERA_ADMIN_KEY: "k",
      TESSERA_MASTER_KEY_FILE: "/k",
      TESSERA_COMPLETELY_DIFFERENT_THING: "1",
      PATH: "/bin",
    });
    expect(warnings).toEqual([
      "TESSERA_COMPLETELY_DIFFERENT_THING is not a Tessera setting and is ignored: see docs/configuration.md",
      "TESSERA_DATABSE_URL is not a Tessera setting and is ignored: did you mean TESSERA_DATABASE_URL?",
      "TESSERA_PROT is not a Tessera setting and is ignored: did you mean TESSERA_PORT?",
    ]);
  });
});

describe("generated documentation", () => {
  it("docs/configuration.md holds the table as generated (run npm run docs:config)", () => {
    const markdown = readFileSync(new URL("docs/configuration.md", root), "utf8");
    const start = markdown.indexOf(TABLE_START);
    const end = markdown.indexOf(TABLE_END) + TABLE_END.length;
    expect(start).toBeGreaterThanOrEqual(0);
    expect(markdown.slice(start, end)).toBe(renderConfigurationTable());
  });

  it(".env.example is as generated (run npm run docs:config)", () => {
    expect(readFileSync(new URL(".env.example", root), "utf8")).toBe(renderEnvExample());
  });

  it("every option appears in both", () => {
    const example = renderEnvExample();
    for (const row of Object.values(CONFIG_OPTIONS)) {
      expect(renderConfigurationTable()).toContain(`\`${row.env}\``);
      expect(example).toContain(`# ${row.env}=`);
    }
  });
});
