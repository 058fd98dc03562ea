/**
 * The rules file: which requests need which scopes (or audience), and which are anonymous.
 * YAML or JSON (JSON is read with the same YAML 1.2 parser, so both report line numbers).
 * First matching rule wins; a request that matches no rule is refused (default deny).
 * Validated once at start-up: every problem is reported with the line it is on.
 * @module
 */
import { readFileSync } from "node:fs";
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLMap } from "yaml";
import { compilePathPattern } from "./path-pattern.js";

/** What a matching request must present. */
export type Requirement =
  | { kind: "anonymous" }
  | { kind: "credential"; scopes?: readonly string[]; audience?: string }
  | { kind: "deny" };

export interface Rule {
  /** 1-based line of the rule in its file, for logs and errors. */
  line: number;
  /** Upper-case methods; null matches any method. */
  methods: ReadonlySet<string> | null;
  path: string;
  matches(path: string): boolean;
  requirement: Exclude<Requirement, { kind: "deny" }>;
}

export interface Rules {
  rules: readonly Rule[];
  /** The requirement of the first rule matching the request, or `deny`. */
  requirementFor(method: string, path: string): Requirement;
}

/** A rules file that cannot be used; `message` names the file and line of every problem. */
export class RulesError extends Error {
  override name = "RulesError";
  constructor(
    readonly problems: readonly string[],
    source: string,
  ) {
    super(`invalid rules file ${source}:\n  ${problems.join("\n  ")}`);
  }
}

const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
const METHOD = /^[A-Z]+$/;
const RULE_FIELDS = new Set(["method", "path", "scopes", "audience", "anonymous"]);

/** Reads and validates a rules file; throws a `RulesError` naming the lines of all problems. */
export function loadRules(file: string): Rules {
  return parseRules(readFileSync(file, "utf8"), file);
}

/** Parses rules text (YAML or JSON); `source` names it in errors. */
export function parseRules(text: string, source = "rules"): Rules {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const problems: string[] = [];
  const at = (node: Node | null | undefined) => `${source}:${node?.range ? lines.linePos(node.range[0]).line : 1}`;
  for (const error of document.errors) problems.push(`${source}:${lines.linePos(error.pos[0]).line}: ${error.message}`);
  if (problems.length > 0) throw new RulesError(problems, source);

  const root = document.contents;
  const list = isMap(root) ? root.get("rules", true) : undefined;
  if (!isMap(root) || !isSeq(list)) {
    throw new RulesError([`${at(root as Node)}: expected a top-level "rules:" list`], source);
  }
  const rules: Rule[] = [];
  list.items.forEach((item, index) => {
    const rule = readRule(item as Node, `rule ${index + 1}`, at, problems);
    if (rule) rules.push(rule);
  });
  if (problems.length > 0) throw new RulesError(problems, source);
  return { rules, requirementFor: (method, path) => requirementFor(rules, method, path) };
}

function requirementFor(rules: readonly Rule[], method: string, path: string): Requirement {
  const upper = method.toUpperCase();
  for (const rule of rules) {
    if (rule.methods && !rule.methods.has(upper)) continue;
    if (rule.matches(path)) return rule.requirement;
  }
  return { kind: "deny" };
}

function readRule(
  node: Node,
  label: string,
  at: (node: Node | null | undefined) => string,
  problems: string[],
): Rule | null {
  const before = problems.length;
  const fail = (where: Node | null | undefined, message: string) => problems.push(`${at(where)}: ${label}: ${message}`);
  if (!isMap(node)) {
    fail(node, "expected a mapping with path and scopes, audience or anonymous");
    return null;
  }
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : "";
    if (!RULE_FIELDS.has(key))
      fail(pair.key as Node, `unknown field "${key}" (expected ${[...RULE_FIELDS].join(", ")})`);
  }
  const path = readPath(node, fail);
  const methods = readMethods(node, fail);
  const scopes = readScopes(node, fail);
  const audience = readAudience(node, fail);
  const anonymousNode = node.get("anonymous", true) as Node | undefined;
  const anonymous = anonymousNode !== undefined && isScalar(anonymousNode) && anonymousNode.value === true;
  if (anonymousNode !== undefined && !(isScalar(anonymousNode) && typeof anonymousNode.value === "boolean")) {
    fail(anonymousNode, "anonymous must be true or false");
  }
  if (anonymous && (scopes || audience)) fail(anonymousNode, "an anonymous rule cannot require scopes or an audience");
  if (problems.length > before || path === null) return null;
  const requirement: Rule["requirement"] = anonymous
    ? { kind: "anonymous" }
    : { kind: "credential", ...(scopes ? { scopes } : {}), ...(audience ? { audience } : {}) };
  const pattern = compilePathPattern(path.value);
  return {
    line: Number(at(node).split(":").pop()),
    methods,
    path: path.value,
    matches: (candidate) => pattern.test(candidate),
    requirement,
  };
}

type Fail = (where: Node | null | undefined, message: string) => void;

function readPath(node: YAMLMap, fail: Fail): { value: string } | null {
  const path = node.get("path", true) as Node | undefined;
  if (path === undefined) {
    fail(node, "path is required (e.g. /orders/** )");
    return null;
  }
  if (!isScalar(path) || typeof path.value !== "string" || !path.value.startsWith("/")) {
    fail(path, "path must be a string starting with /");
    return null;
  }
  if (/\*\*./.test(path.value)) {
    fail(path, "** may only end a path (e.g. /orders/**)");
    return null;
  }
  return { value: path.value };
}

function readMethods(node: YAMLMap, fail: Fail): ReadonlySet<string> | null {
  const method = node.get("method", true) as Node | undefined;
  if (method === undefined) return null;
  const items = isSeq(method) ? method.items : [method];
  const methods = new Set<string>();
  for (const item of items) {
    const value = isScalar(item) && typeof item.value === "string" ? item.value.toUpperCase() : null;
    if (value === "*" || value === "ANY") return null;
    if (value === null || !METHOD.test(value)) fail(item as Node, "method must be an HTTP method or a list of them");
    else methods.add(value);
  }
  return methods;
}

function readScopes(node: YAMLMap, fail: Fail): readonly string[] | undefined {
  const scopes = node.get("scopes", true) as Node | undefined;
  if (scopes === undefined) return undefined;
  const items = isSeq(scopes) ? scopes.items : isScalar(scopes) ? [scopes] : null;
  if (items === null) {
    fail(scopes, "scopes must be a list of scope strings");
    return undefined;
  }
  const values: string[] = [];
  for (const item of items) {
    if (isScalar(item) && typeof item.value === "string" && SCOPE.test(item.value)) values.push(item.value);
    else fail((item as Node) ?? scopes, "each scope must be a string without spaces or quotes");
  }
  return Object.freeze(values);
}

function readAudience(node: YAMLMap, fail: Fail): string | undefined {
  const audience = node.get("audience", true) as Node | undefined;
  if (audience === undefined) return undefined;
  if (!isScalar(audience) || typeof audience.value !== "string" || audience.value === "") {
    fail(audience, "audience must be a non-empty string");
    return undefined;
  }
  return audience.value;
}
