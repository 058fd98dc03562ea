/**
 * An authority's app with the rate limits and failure aggregation set as a test needs, driven
 * with `inject` from any client address, with its metrics at hand.
 */
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from "fastify";
import type { TesseraConfig } from "../../src/config.js";
import { ADMIN_SCOPES } from "../../src/domain/scopes.js";
import { buildApp } from "../../src/http/app.js";
import type { Metrics } from "../../src/http/metrics.js";
import { createHarness, type Harness } from "../harness.js";
import type { StoreKind } from "../stores.js";

export interface AbuseHarness extends Harness {
  app: FastifyInstance;
  metrics: Metrics;
  root: { id: string; secret: string };
  /** An OAuth client (a service principal holding an `oauth:client` key). */
  client: { id: string; secret: string };
  admin(url: string, key: string, from: string): Promise<LightMyRequestResponse>;
  form(
    url: string,
    params: Record<string, string>,
    from: string,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
  basic(id: string, secret: string): Record<string, string>;
  /** auth.failed records, data parsed. */
  authFailedRecords(): Promise<{ reason: string | null; data: Record<string, unknown> }[]>;
  /** The sum of a counter's samples. */
  counter(name: string, labels?: Record<string, string>): Promise<number>;
}

export async function createAbuseHarness(kind: StoreKind, overrides: Partial<TesseraConfig>): Promise<AbuseHarness> {
  const h = await createHarness(kind, overrides);
  const { app, metrics } = await buildApp(h.authority, { logger: false });
  const root = await h.key([...ADMIN_SCOPES]);
  const principal = await h.authority.principals.create(
    { name: `abuse-client-${Date.now()}`, kind: "service", owner: "o", allowedScopes: ["orders:read", "oauth:client"] },
    h.system,
  );
  const issued = await h.authority.keys.issue({ principalId: principal.id, scopes: ["oauth:client"] }, h.system);
  const inject = (options: InjectOptions) => app.inject(options);
  return {
    ...h,
    app,
    metrics,
    root,
    client: { id: principal.id, secret: issued.secret },
    admin: (url, key, from) =>
      inject({ method: "GET", url, headers: { authorization: `Bearer ${key}` }, remoteAddress: from }),
    form: (url, params, from, headers = {}) =>
      inject({
        method: "POST",
        url,
        headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
        payload: new URLSearchParams(params).toString(),
        remoteAddress: from,
      }),
    basic: (id, secret) => ({ authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}` }),
    async authFailedRecords() {
      const { items } = await h.authority.audit.list({ action: "auth.failed", limit: 1000 });
      return items.map((item) => ({ reason: item.reason, data: item.data }));
    },
    async counter(name, labels = {}) {
      const metric = await metrics.registry.getSingleMetric(name)?.get();
      const matches = (metric?.values ?? []).filter((v) =>
        Object.entries(labels).every(([k, value]) => (v.labels as Record<string, unknown>)[k] === value),
      );
      return matches.reduce((sum, v) => sum + v.value, 0);
    },
    async close() {
      await app.close();
      await h.close();
    },
  };
}
