/**
 * A stand-in authority speaking the feed protocol over real loopback HTTP, scripted by tests:
 * what the snapshot holds, which changes go out, when connections drop.
 */
import { generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { hashToken } from "../src/hash.js";
import { generateToken } from "../src/token-format.js";
import type {
  HeartbeatWire,
  KeyChunkWire,
  KeyRecordWire,
  OAuthStateWire,
  SnapshotEndWire,
  SnapshotStartWire,
} from "../src/wire.js";

export const CREDENTIAL = "tsk_feedcredential";
export const ISSUER = "http://authority.test";

export interface FakeKey {
  id: string;
  ordinal: number;
  secret: string;
  hash: string;
  principalId: string;
  scopes: string[];
  audience: string | null;
  expiresAt: number | null;
  deprecated: boolean;
}

let ids = 0;
export function fakeKey(overrides: Partial<Omit<FakeKey, "secret" | "hash">> = {}): FakeKey {
  const secret = generateToken("tsk", (n) => new Uint8Array(randomBytes(n)));
  return {
    id: `key_${++ids}`,
    ordinal: ids,
    secret,
    hash: hashToken(secret),
    principalId: "prn_1",
    scopes: ["orders:read"],
    audience: null,
    expiresAt: Date.now() + 3_600_000,
    deprecated: false,
    ...overrides,
  };
}

export const wire = (k: FakeKey): KeyRecordWire => ({
  id: k.id,
  ordinal: k.ordinal,
  hash: k.hash,
  principalId: k.principalId,
  scopes: k.scopes,
  audience: k.audience,
  expiresAt: k.expiresAt,
  deprecated: k.deprecated,
});

/** An Ed25519 signing key and a minter of RFC 9068 access tokens signed with it. */
export function signingKey(kid = `sig_${++ids}`) {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const jwk = publicKey.export({ format: "jwk" }) as Record<string, unknown>;
  return {
    kid,
    jwk,
    privateKey: privateKey as KeyObject,
    mint(claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}): string {
      const now = Math.floor(Date.now() / 1000);
      const h = Buffer.from(JSON.stringify({ alg: "EdDSA", typ: "at+jwt", kid, ...header })).toString("base64url");
      const p = Buffer.from(
        JSON.stringify({
          iss: ISSUER,
          sub: "prn_jwt",
          aud: "orders-api",
          client_id: "app_1",
          scope: "orders:read orders:write",
          jti: `jti_${++ids}`,
          iat: now,
          exp: now + 300,
          gid: "fam_1",
          ...claims,
        }),
      ).toString("base64url");
      const signature = sign(null, Buffer.from(`${h}.${p}`), privateKey).toString("base64url");
      return `${h}.${p}.${signature}`;
    },
  };
}

export interface FakeAuthority {
  url: string;
  /** What the next snapshot contains. */
  state: { sequence: number; keys: FakeKey[]; oauth: OAuthStateWire };
  /** Each feed request's Last-Event-ID (null when it asked for a snapshot). */
  feedRequests: Array<string | null>;
  /** Every ack received, by stream or by POST. */
  acks: number[];
  /** Acks received by POST /v1/verifiers/acks. */
  postedAcks: number[];
  /** How the ack stream behaves: confirms ("ok"), is not there (404), or swallows acks unconfirmed ("silent", like a buffering proxy). */
  ackStream: "ok" | "absent" | "silent";
  /** Ack streams opened. */
  ackStreams: number;
  usage: Array<{ entries: Array<Record<string, unknown>>; dropped: number }>;
  usageStatus: number;
  introspection: Record<string, unknown> | null;
  heartbeats: boolean;
  /** Sends a change to every open connection (seq defaults to the next one). */
  change(type: string, data: unknown, seq?: number): void;
  raw(text: string): void;
  heartbeat(): void;
  /** Drops every open feed connection. */
  cut(): void;
  /** Refuses new feed connections (503) while true. */
  down: boolean;
  connections(): number;
  close(): Promise<void>;
}

export async function startFakeAuthority(): Promise<FakeAuthority> {
  const open = new Set<ServerResponse>();
  const ackStreamsOpen = new Set<ServerResponse>();
  let timer: NodeJS.Timeout | undefined;
  const fake: FakeAuthority = {
    url: "",
    state: {
      sequence: 0,
      keys: [],
      oauth: { signingKeys: [], revokedJtis: [], revokedFamilies: [], principalCutoffs: [] },
    },
    feedRequests: [],
    acks: [],
    postedAcks: [],
    ackStream: "ok",
    ackStreams: 0,
    usage: [],
    usageStatus: 204,
    introspection: null,
    heartbeats: true,
    down: false,
    change(type, data, seq) {
      const sequence = seq ?? fake.state.sequence + 1;
      fake.state.sequence = Math.max(fake.state.sequence, sequence);
      fake.raw(
        `id: ${sequence}\nevent: change\ndata: ${JSON.stringify({ seq: sequence, type, at: Date.now(), data })}\n\n`,
      );
    },
    raw(text) {
      for (const res of open) res.write(text);
    },
    heartbeat() {
      const beat: HeartbeatWire = { head: fake.state.sequence, at: Date.now() };
      fake.raw(`event: heartbeat\ndata: ${JSON.stringify(beat)}\n\n`);
    },
    cut() {
      for (const res of [...open, ...ackStreamsOpen]) res.destroy();
      open.clear();
      ackStreamsOpen.clear();
    },
    connections: () => open.size,
    async close() {
      if (timer) clearInterval(timer);
      fake.cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  async function body(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString();
    return req.headers["content-type"]?.includes("json")
      ? JSON.parse(text)
      : Object.fromEntries(new URLSearchParams(text));
  }

  const server: Server = createServer(async (req, res) => {
    if (req.headers.authorization !== `Bearer ${CREDENTIAL}`) {
      res.writeHead(401).end();
      return;
    }
    const path = (req.url ?? "").split("?")[0];
    if (path === "/v1/feed") {
      if (fake.down) {
        res.writeHead(503).end();
        return;
      }
      const last = req.headers["last-event-id"];
      fake.feedRequests.push(typeof last === "string" ? last : null);
      res.writeHead(200, { "content-type": "text/event-stream" });
      open.add(res);
      res.on("close", () => open.delete(res));
      const s = fake.state;
      res.write(`event: hello\ndata: ${JSON.stringify({ head: s.sequence, issuer: ISSUER })}\n\n`);
      if (typeof last !== "string") {
        const start: SnapshotStartWire = { sequence: s.sequence, oauth: s.oauth };
        res.write(`event: snapshot\ndata: ${JSON.stringify(start)}\n\n`);
        const strings = [
          ...new Set(s.keys.flatMap((k) => (k.audience === null ? [k.principalId] : [k.principalId, k.audience]))),
        ];
        const scopeLists = [...new Set(s.keys.map((k) => JSON.stringify(k.scopes)))];
        const chunk: KeyChunkWire = {
          p: strings,
          s: scopeLists.map((l) => JSON.parse(l)),
          i: s.keys.map((k) => k.id).join(" "),
          h: s.keys.map((k) => k.hash).join(""),
          pi: s.keys.map((k) => strings.indexOf(k.principalId)),
          si: s.keys.map((k) => scopeLists.indexOf(JSON.stringify(k.scopes))),
          a: s.keys.map((k) => (k.audience === null ? -1 : strings.indexOf(k.audience))),
          e: s.keys.map((k) => k.expiresAt ?? 0),
          d: s.keys.flatMap((k, i) => (k.deprecated ? [i] : [])),
          o: s.keys.map((k, i) => (i === 0 ? k.ordinal : k.ordinal - (s.keys[i - 1] as FakeKey).ordinal)),
        };
        res.write(`event: keys\ndata: ${JSON.stringify(chunk)}\n\n`);
        const end: SnapshotEndWire = { sequence: s.sequence, keyCount: s.keys.length };
        res.write(`id: ${s.sequence}\nevent: snapshot_end\ndata: ${JSON.stringify(end)}\n\n`);
      }
      return;
    }
    if (path === "/v1/verifiers/acks/stream" && fake.ackStream !== "absent") {
      fake.ackStreams++;
      res.writeHead(200, { "content-type": "text/plain" });
      ackStreamsOpen.add(res);
      res.on("close", () => ackStreamsOpen.delete(res));
      req.setEncoding("latin1");
      let pending = "";
      req.on("data", (chunk: string) => {
        if (fake.ackStream === "silent") return;
        pending += chunk;
        const lines = pending.split("\n");
        pending = lines.pop() ?? "";
        for (const line of lines) fake.acks.push(Number(line));
        if (lines.length > 0) res.write(`ok ${Math.max(...fake.acks)}\n`);
      });
      return;
    }
    if (path === "/v1/verifiers/acks") {
      const { acks } = (await body(req)) as { acks: Array<{ sequence: number }> };
      for (const ack of acks) {
        fake.acks.push(ack.sequence);
        fake.postedAcks.push(ack.sequence);
      }
      res.writeHead(204).end();
      return;
    }
    if (path === "/v1/verifiers/usage") {
      const batch = (await body(req)) as FakeAuthority["usage"][number];
      if (fake.usageStatus < 300) fake.usage.push(batch);
      res.writeHead(fake.usageStatus).end();
      return;
    }
    if (path === "/oauth/introspect") {
      await body(req);
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify(fake.introspection ?? { active: false }));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  timer = setInterval(() => fake.heartbeats && fake.heartbeat(), 200);
  return fake;
}

export async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs}ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
