/**
 * SCIM filters (RFC 7644 3.4.2.2): `attrPath op value`, `attrPath pr`, `and`, `or`, `not (...)`,
 * parentheses, and value filters such as `emails[type eq "work"]`. Identity providers look a
 * user up with `userName eq "..."` (Entra ID, Okta) or `externalId eq "..."` before they
 * provision or change it. A filter that does not parse is a 400 `invalidFilter` naming where.
 * Attribute names and `eq`-style operators are case-insensitive, as the RFC says; string
 * comparisons are case-insensitive too (userName's `caseExact` is false).
 */
import { ScimError } from "./errors.js";

export type CompareOp = "eq" | "ne" | "co" | "sw" | "ew" | "gt" | "ge" | "lt" | "le";
export type Literal = string | number | boolean | null;

export type Filter =
  | { kind: "compare"; path: string[]; op: CompareOp; value: Literal }
  | { kind: "present"; path: string[] }
  | { kind: "and" | "or"; left: Filter; right: Filter }
  | { kind: "not"; filter: Filter }
  | { kind: "valuePath"; path: string[]; filter: Filter };

const COMPARE_OPS = new Set<string>(["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]);
const MAX_FILTER_LENGTH = 2048;

type Token = { type: "word" | "string" | "(" | ")" | "[" | "]"; text: string; at: number };

function invalid(detail: string): ScimError {
  return new ScimError(400, `invalid filter: ${detail}`, "invalidFilter");
}

function readString(source: string, start: number): { text: string; end: number } {
  let i = start + 1;
  let text = "";
  while (i < source.length && source[i] !== '"') {
    if (source[i] === "\\") {
      const next = source[i + 1];
      if (next === undefined) break;
      text += next === "n" ? "\n" : next === "t" ? "\t" : next;
      i += 2;
    } else {
      text += source[i];
      i += 1;
    }
  }
  if (source[i] !== '"') throw invalid(`unterminated string starting at character ${start + 1}`);
  return { text, end: i + 1 };
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i] as string;
    if (/\s/.test(c)) {
      i += 1;
    } else if ("()[]".includes(c)) {
      tokens.push({ type: c as Token["type"], text: c, at: i });
      i += 1;
    } else if (c === '"') {
      const { text, end } = readString(source, i);
      tokens.push({ type: "string", text, at: i });
      i = end;
    } else {
      const match = /^[^\s()[\]"]+/.exec(source.slice(i));
      const word = match?.[0] ?? c;
      tokens.push({ type: "word", text: word, at: i });
      i += word.length;
    }
  }
  return tokens;
}

function attrPath(text: string): string[] {
  // A schema URN prefix (urn:...:User:userName) names the same attribute.
  const bare = text.includes(":") ? text.slice(text.lastIndexOf(":") + 1) : text;
  if (!/^[A-Za-z][\w$-]*(\.[A-Za-z][\w$-]*)?$/.test(bare)) throw invalid(`"${text}" is not an attribute path`);
  return bare.toLowerCase().split(".");
}

function literal(token: Token | undefined): Literal {
  if (!token) throw invalid("a value is missing at the end");
  if (token.type === "string") return token.text;
  if (token.type !== "word") throw invalid(`expected a value at character ${token.at + 1}`);
  const word = token.text.toLowerCase();
  if (word === "true" || word === "false") return word === "true";
  if (word === "null") return null;
  if (/^-?\d+(\.\d+)?$/.test(token.text)) return Number(token.text);
  throw invalid(`${token.text} is not a value: quote strings ("...")`);
}

/** Recursive descent: or > and > not / parentheses > attribute expression. */
class FilterParser {
  private position = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): Filter {
    if (this.tokens.length === 0) throw invalid("it is empty");
    const filter = this.or();
    if (this.position < this.tokens.length) throw invalid(`unexpected "${this.peek()?.text}" ${this.where()}`);
    return filter;
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private where(): string {
    const token = this.peek();
    return token ? `at character ${token.at + 1}` : "at the end";
  }

  private keyword(word: string): boolean {
    const token = this.peek();
    return token?.type === "word" && token.text.toLowerCase() === word;
  }

  private expect(type: Token["type"]): void {
    if (this.peek()?.type !== type) throw invalid(`expected ${type} ${this.where()}`);
    this.position += 1;
  }

  private or(): Filter {
    let left = this.and();
    while (this.keyword("or")) {
      this.position += 1;
      left = { kind: "or", left, right: this.and() };
    }
    return left;
  }

  private and(): Filter {
    let left = this.unary();
    while (this.keyword("and")) {
      this.position += 1;
      left = { kind: "and", left, right: this.unary() };
    }
    return left;
  }

  private unary(): Filter {
    if (this.keyword("not")) {
      this.position += 1;
      if (this.peek()?.type !== "(") throw invalid(`expected ( after not ${this.where()}`);
      return { kind: "not", filter: this.unary() };
    }
    if (this.peek()?.type === "(") {
      this.position += 1;
      const inner = this.or();
      this.expect(")");
      return inner;
    }
    return this.attribute();
  }

  private attribute(): Filter {
    const token = this.peek();
    if (token?.type !== "word") throw invalid(`expected an attribute ${this.where()}`);
    this.position += 1;
    if (this.peek()?.type === "[") {
      this.position += 1;
      const inner = this.or();
      this.expect("]");
      return { kind: "valuePath", path: attrPath(token.text), filter: inner };
    }
    const path = attrPath(token.text);
    const opToken = this.peek();
    if (opToken?.type !== "word") throw invalid(`expected an operator after ${token.text} ${this.where()}`);
    const op = opToken.text.toLowerCase();
    this.position += 1;
    if (op === "pr") return { kind: "present", path };
    if (!COMPARE_OPS.has(op)) throw invalid(`unknown operator ${opToken.text}`);
    const value = literal(this.peek());
    this.position += 1;
    return { kind: "compare", path, op: op as CompareOp, value };
  }
}

/** Parses a SCIM filter; throws `ScimError` 400 `invalidFilter` saying where it failed. */
export function parseFilter(source: string): Filter {
  if (source.length > MAX_FILTER_LENGTH) throw invalid(`longer than ${MAX_FILTER_LENGTH} characters`);
  return new FilterParser(tokenize(source)).parse();
}
