import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runGatewayCli } from "../src/cli.js";
import { compilePathPattern, loadRules, normalizePath, parseRules, RulesError } from "../src/index.js";

const YAML_RULES = `# orders API
rules:
  - path: /healthz
    anonymous: true
  - method: GET
    path: /orders/*/items
    scopes: [orders:read]
  - method: [POST, PUT]
    path: /orders/**
    scopes:
      - orders:write
    audience: orders-api
`;

describe("rules file", () => {
  it("reads YAML: first matching rule wins, anything else is denied", () => {
    const rules = parseRules(YAML_RULES);
    expect(rules.requirementFor("GET", "/healthz")).toEqual({ kind: "anonymous" });
    expect(rules.requirementFor("get", "/orders/7/items")).toEqual({ kind: "credential", scopes: ["orders:read"] });
    expect(rules.requirementFor("GET", "/orders/7/items/3")).toEqual({ kind: "deny" });
    expect(rules.requirementFor("POST", "/orders")).toEqual({
      kind: "credential",
      scopes: ["orders:write"],
      audience: "orders-api",
    });
    expect(rules.requirementFor("DELETE", "/orders/7")).toEqual({ kind: "deny" });
    expect(rules.requirementFor("GET", "/ordersX")).toEqual({ kind: "deny" });
    expect(rules.rules.map((rule) => rule.line)).toEqual([3, 5, 8]);
  });

  it("reads JSON with the same meaning", () => {
    const rules = parseRules(
      JSON.stringify(
        {
          rules: [
            { method: "GET", path: "/a/**", scopes: ["a:read"] },
            { path: "/", anonymous: true },
          ],
        },
        null,
        2,
      ),
    );
    expect(rules.requirementFor("GET", "/a/b/c")).toEqual({ kind: "credential", scopes: ["a:read"] });
    expect(rules.requirementFor("PUT", "/")).toEqual({ kind: "anonymous" });
  });

  it("names the line of every problem", () => {
    const text = `rules:
  - path: orders
    scopes: [orders:read]
  - path: /x
    scope: [x]
  - path: /y
    anonymous: true
    scopes: [y:read]
  - path: /z
    method: 12
`;
    let error: unknown;
    try {
      parseRules(text, "gateway.yaml");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RulesError);
    const problems = (error as RulesError).problems;
    expect(problems).toEqual([
      "gateway.yaml:2: rule 1: path must be a string starting with /",
      'gateway.yaml:5: rule 2: unknown field "scope" (expected method, path, scopes, audience, anonymous)',
      "gateway.yaml:7: rule 3: an anonymous rule cannot require scopes or an audience",
      "gateway.yaml:10: rule 4: method must be an HTTP method or a list of them",
    ]);
    expect((error as Error).message).toContain("gateway.yaml:5");
  });

  it("reports syntax errors and a missing rules list with their line", () => {
    expect(() => parseRules('{"rules": [\n  {"path": "/a",}\n', "r.json")).toThrow(/r\.json:\d+:/);
    expect(() => parseRules("routes: []\n", "r.yaml")).toThrow('r.yaml:1: expected a top-level "rules:" list');
    expect(() => parseRules("rules:\n  - path: /a\n    path: /b\n", "dup.yaml")).toThrow(/dup\.yaml:3:/);
  });

  it("stops the gateway command at start-up with exit code 2 and the line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gateway-rules-"));
    const file = join(dir, "rules.yaml");
    writeFileSync(file, "rules:\n  - path: /ok\n    scopes: [a]\n  - path: /bad\n    scopes: {a: 1}\n");
    expect(() => loadRules(file)).toThrow(`${file}:5: rule 2: scopes must be a list of scope strings`);
    const err: string[] = [];
    const code = await runGatewayCli(["--url", "http://127.0.0.1:9", "--rules", file, "--listen", "127.0.0.1:0"], {
      out: () => {},
      err: (text) => void err.push(text),
      env: { TESSERA_FEED_KEY: "tsk_test" },
    });
    expect(code).toBe(2);
    expect(err.join("")).toContain(`${file}:5:`);
  });
});

describe("docs/gateway.md", () => {
  it("has a rules example that loads and means what the doc says", () => {
    const doc = readFileSync(new URL("../../../docs/gateway.md", import.meta.url), "utf8");
    const example = /## The rules file[\s\S]*?```yaml\n([\s\S]*?)```/.exec(doc)?.[1] ?? "";
    const rules = parseRules(example, "docs/gateway.md");
    expect(rules.requirementFor("GET", "/healthz")).toEqual({ kind: "anonymous" });
    expect(rules.requirementFor("GET", "/orders/7/items")).toEqual({ kind: "credential", scopes: ["orders:read"] });
    expect(rules.requirementFor("DELETE", "/orders/7")).toMatchObject({
      scopes: ["orders:write"],
      audience: "orders-api",
    });
    expect(rules.requirementFor("GET", "/admin")).toEqual({ kind: "deny" });
  });
});

describe("path patterns", () => {
  it("* is one segment, a trailing /** is the path and everything below", () => {
    expect(compilePathPattern("/a/*").test("/a/b")).toBe(true);
    expect(compilePathPattern("/a/*").test("/a/b/c")).toBe(false);
    expect(compilePathPattern("/a/**").test("/a")).toBe(true);
    expect(compilePathPattern("/a/**").test("/a/b/c")).toBe(true);
    expect(compilePathPattern("/a/**").test("/ab")).toBe(false);
    expect(compilePathPattern("/v1.0/x").test("/v1x0/x")).toBe(false);
    expect(compilePathPattern("/**").test("/anything/at/all")).toBe(true);
  });

  it("normalizes what a client could use to dodge a rule", () => {
    expect(normalizePath("/public/../admin?x=1")).toBe("/admin");
    expect(normalizePath("/public/%2e%2e/admin")).toBe("/admin");
    expect(normalizePath("/%6Frders/1")).toBe("/orders/1");
    expect(normalizePath("/a%2Fb")).toBe("/a%2Fb");
    expect(normalizePath("http://evil/x")).toBeNull();
    expect(normalizePath("//evil/orders")).toBe("//evil/orders");
    expect(normalizePath("/public/x#/../../admin")).toBe("/admin");
    expect(normalizePath("/orders/1?next=/../admin")).toBe("/orders/1");
  });
});
