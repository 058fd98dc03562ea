/**
 * OAuth test helpers: an authority with its HTTP app (injected requests, no port), and
 * clients (principals of kind service holding an `oauth:client` API key as their secret).
 */
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import type { TesseraConfig } from "../../src/config.js";
import { buildApp } from "../../src/http/app.js";
import { createHarness, type Harness } from "../harness.js";
import type { StoreKind } from "../stores.js";

export interface OAuthHarness extends Harness {
  app: FastifyInstance;
  /** A client allowed `scopes` (plus oauth:client), with its secret. */
  client(options?: {
    scopes?: string[];
    oauth?: Record<string, unknown>;
    kind?: "service" | "app" | "user";
  }): Promise<{ id: string; secret: string; keyId: string }>;
  /** POSTs a form to `path`. */
  form(path: string, params: Record<string, string>, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  basic(id: string, secret: string): { authorization: string };
  /** Rows in a table. */
  count(table: "oauth_grant_families" | "oauth_refresh_tokens" | "oauth_revoked_access_tokens"): Promise<number>;
  /** Change-log entries of a type, data parsed. */
  changes(type: string): Promise<Record<string, unknown>[]>;
  /** Audit records of an action, data parsed. */
  audits(action: string): Promise<{ actor: string; reason: string | null; data: Record<string, unknown> }[]>;
}

let counter = 0;

export async function createOAuthHarness(
  kind: StoreKind,
  overrides: Partial<TesseraConfig> = {},
): Promise<OAuthHarness> {
  const h = await createHarness(kind, { issuer: "http://tessera.test", ...overrides });
  const { app } = await buildApp(h.authority, { logger: false });
  const db = h.authority.database.db;

  async function client(
    options: { scopes?: string[]; oauth?: Record<string, unknown>; kind?: "service" | "app" | "user" } = {},
  ) {
    const scopes = options.scopes ?? ["orders:read", "orders:write"];
    const principal = await h.authority.principals.create(
      {
        name: `client-${++counter}-${Math.random().toString(36).slice(2, 6)}`,
        kind: options.kind ?? "service",
        owner: "team-oauth",
        allowedScopes: [...scopes, "oauth:client"],
        ...(options.oauth ? { metadata: { oauth: options.oauth } } : {}),
      },
      h.system,
    );
    const issued = await h.authority.keys.issue({ principalId: principal.id, scopes: ["oauth:client"] }, h.system);
    return { id: principal.id, secret: issued.secret, keyId: issued.key.id };
  }

  return {
    ...h,
    app,
    client,
    form(path, params, headers = {}) {
      return app.inject({
        method: "POST",
        url: path,
        headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
        payload: new URLSearchParams(params).toString(),
      });
    },
    basic(id, secret) {
      const enc = (s: string) => encodeURIComponent(s);
      return { authorization: `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString("base64")}` };
    },
    async count(table) {
      const row = await db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async changes(type) {
      const rows = await db.selectFrom("change_log").select("data").where("type", "=", type).orderBy("seq").execute();
      return rows.map((r) => JSON.parse(r.data) as Record<string, unknown>);
    },
    async audits(action) {
      const rows = await db
        .selectFrom("audit_log")
        .select(["actor", "reason", "data"])
        .where("action", "=", action)
        .orderBy("seq")
        .execute();
      return rows.map((r) => ({
        actor: r.actor,
        reason: r.reason,
        data: JSON.parse(r.data) as Record<string, unknown>,
      }));
    },
    async close() {
      await app.close();
      await h.close();
    },
  };
}

/** Everything a secret could leak into: the change log and the audit trail, as text. */
export async function persistedText(h: Harness): Promise<string> {
  const db = h.authority.database.db;
  const changes = await db.selectFrom("change_log").selectAll().execute();
  const audit = await db.selectFrom("audit_log").selectAll().execute();
  return JSON.stringify({ changes, audit });
}
