/** SCIM filters: the grammar identity providers send, evaluated as RFC 7644 3.4.2.2 says. */
import { describe, expect, it } from "vitest";
import { type Filter, parseFilter } from "../../src/scim/filter.js";
import { matchesFilter, userNameEquality } from "../../src/scim/filter-match.js";

const alice = {
  userName: "Alice@Example.com",
  externalId: "e-1",
  active: true,
  name: { givenName: "Alice", familyName: "Liddell" },
  emails: [
    { value: "alice@work.example", type: "work", primary: true },
    { value: "alice@home.example", type: "home" },
  ],
  meta: { created: "2026-01-01T00:00:00.000Z" },
};
const matches = (filter: string) => matchesFilter(alice, parseFilter(filter));

describe("SCIM filters", () => {
  it("matches the lookups Entra ID and Okta send, case-insensitively", () => {
    expect(matches('userName eq "alice@example.com"')).toBe(true);
    expect(matches('USERNAME EQ "ALICE@EXAMPLE.COM"')).toBe(true);
    expect(matches('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "alice@example.com"')).toBe(true);
    expect(matches('externalId eq "e-1"')).toBe(true);
    expect(matches('userName eq "bob@example.com"')).toBe(false);
    expect(userNameEquality(parseFilter('userName eq "x@y"'))).toBe("x@y");
    expect(userNameEquality(parseFilter('userName sw "x"'))).toBeNull();
  });

  it("has every operator, and/or/not with precedence, presence, sub-attributes and value filters", () => {
    expect(matches('userName sw "alice" and userName ew ".com" and userName co "@"')).toBe(true);
    expect(matches('userName ne "alice@example.com"')).toBe(false);
    expect(matches("active eq true and not (active eq false)")).toBe(true);
    expect(matches('userName eq "nobody" or externalId eq "e-1" and active eq true')).toBe(true);
    expect(matches('(userName eq "nobody" or externalId eq "e-1") and active eq false')).toBe(false);
    expect(matches("name.familyName pr and title pr")).toBe(false);
    expect(matches("name.familyName pr")).toBe(true);
    expect(matches('emails[type eq "work" and value co "@work."]')).toBe(true);
    expect(matches('emails[type eq "other"]')).toBe(false);
    expect(matches('emails.value eq "alice@home.example"')).toBe(true);
    expect(matches('meta.created gt "2025-12-31T00:00:00Z"')).toBe(true);
    expect(matches('title ne "x"')).toBe(true);
    expect(matches('userName eq "say \\"hi\\""')).toBe(false);
  });

  it("refuses malformed filters with invalidFilter saying where", () => {
    for (const bad of [
      "",
      "userName",
      "userName eq",
      'userName xx "a"',
      'userName eq "unterminated',
      "userName eq alice",
      '(userName eq "a"',
      'userName eq "a" and',
      'emails[type eq "work"',
      'userName eq "a" extra',
      "not userName pr",
      "1abc eq 1",
      "x".repeat(3000),
    ]) {
      let error: unknown;
      try {
        parseFilter(bad);
      } catch (e) {
        error = e;
      }
      expect(error, bad).toMatchObject({ status: 400, scimType: "invalidFilter" });
      expect((error as Error).message).toMatch(/^invalid filter: /);
    }
  });

  it("parses into a tree: and binds tighter than or", () => {
    const tree = parseFilter("a eq 1 or b eq 2 and c eq 3") as Extract<Filter, { kind: "and" | "or" }>;
    expect(tree.kind).toBe("or");
    expect(tree.right.kind).toBe("and");
  });
});
