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
  suspended?: boolean;
  canary?: boolean;
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
  ...(k.suspended ? { suspended: true } : {}),
  ...(k.canary ? { canary: true } : {}),
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

/** The fake's open streams, beside what tests see. */
interface Streams {
  feeds: Set<ServerResponse>;
  ackStreams: Set<ServerResponse>;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString();
  return req.headers["content-type"]?.includes("json")
    ? JSON.parse(text)
    : Object.fromEntries(new URLSearchParams(text));
}

/** The snapshot's keys as one chunk, by column (the wire contract's KeyChunkWire). */
function keyChunk(keys: FakeKey[]): KeyChunkWire {
  const strings = [
    ...new Set(keys.flatMap((k) => (k.audience === null ? [k.principalId] : [k.principalId, k.audience]))),
  ];
  const scopeLists = [...new Set(keys.map((k) => JSON.stringify(k.scopes)))];
  return {
    p: strings,
    s: scopeLists.map((l) => JSON.parse(l)),
    i: keys.map((k) => k.id).join(" "),
    h: keys.map((k) => k.hash).join(""),
    pi: keys.map((k) => strings.indexOf(k.principalId)),
    si: keys.map((k) => scopeLists.indexOf(JSON.stringify(k.scopes))),
    a: keys.map((k) => (k.audience === null ? -1 : strings.indexOf(k.audience))),
    e: keys.map((k) => k.expiresAt ?? 0),
    d: keys.flatMap((k, i) => (k.deprecated ? [i] : [])),
    u: keys.flatMap((k, i) => (k.suspended ? [i] : [])),
    c: keys.flatMap((k, i) => (k.canary ? [i] : [])),
    o: keys.map((k, i) => (i === 0 ? k.ordinal : k.ordinal - (keys[i - 1] as FakeKey).ordinal)),
  };
}

/** GET /v1/feed: hello, then a snapshot unless the request resumes; changes follow from `fake.change`. */
function serveFeed(fake: FakeAuthority, streams: Streams, req: IncomingMessage, res: ServerResponse): void {
  if (fake.down) {
    res.writeHead(503).end();
    return;
  }
  const last = req.headers["last-event-id"];
  fake.feedRequests.push(typeof last === "string" ? last : null);
  res.writeHead(200, { "content-type": "text/event-stream" });
  streams.feeds.add(res);
  res.on("close", () => streams.feeds.delete(res));
  const s = fake.state;
  res.write(`event: hello\ndata: ${JSON.stringify({ head: s.sequence, issuer: ISSUER })}\n\n`);
  if (typeof last === "string") return;
  const start: SnapshotStartWire = { sequence: s.sequence, oauth: s.oauth };
  res.write(`event: snapshot\ndata: ${JSON.stringify(start)}\n\n`);
  res.write(`event: keys\ndata: ${JSON.stringify(keyChunk(s.keys))}\n\n`);
  const end: SnapshotEndWire = { sequence: s.sequence, keyCount: s.keys.length };
  res.write(`id: ${s.sequence}\nevent: snapshot_end\ndata: ${JSON.stringify(end)}\n\n`);
}

/** POST /v1/verifiers/acks/stream: records each line, confirms (unless told to stay silent). */
function serveAckStream(fake: FakeAuthority, streams: Streams, req: IncomingMessage, res: ServerResponse): void {
  fake.ackStreams++;
  res.writeHead(200, { "content-type": "text/plain" });
  streams.ackStreams.add(res);
  res.on("close", () => streams.ackStreams.delete(res));
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
}

async function serveAcks(fake: FakeAuthority, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { acks } = (await readBody(req)) as { acks: Array<{ sequence: number }> };
  for (const ack of acks) {
    fake.acks.push(ack.sequence);
    fake.postedAcks.push(ack.sequence);
  }
  res.writeHead(204).end();
}

async function serveUsage(fake: FakeAuthority, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const batch = (await readBody(req)) as FakeAuthority["usage"][number];
  if (fake.usageStatus < 300) fake.usage.push(batch);
  res.writeHead(fake.usageStatus).end();
}

async function serveIntrospection(fake: FakeAuthority, req: IncomingMessage, res: ServerResponse): Promise<void> {
  await readBody(req);
  res
    .writeHead(200, { "content-type": "application/json" })
    .end(JSON.stringify(fake.introspection ?? { active: false }));
}

async function route(fake: FakeAuthority, streams: Streams, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.headers.authorization !== `Bearer ${CREDENTIAL}`) {
    res.writeHead(401).end();
    return;
  }
  const path = (req.url ?? "").split("?")[0];
  if (path === "/v1/feed") return serveFeed(fake, streams, req, res);
  if (path === "/v1/verifiers/acks/stream" && fake.ackStream !== "absent")
    return serveAckStream(fake, streams, req, res);
  if (path === "/v1/verifiers/acks") return serveAcks(fake, req, res);
  if (path === "/v1/verifiers/usage") return serveUsage(fake, req, res);
  if (path === "/oauth/introspect") return serveIntrospection(fake, req, res);
  res.writeHead(404).end();
}

/** The scripted side tests drive: what the next snapshot holds, changes, cuts. */
function scripted(streams: Streams, close: () => Promise<void>): FakeAuthority {
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
      for (const res of streams.feeds) res.write(text);
    },
    heartbeat() {
      const beat: HeartbeatWire = { head: fake.state.sequence, at: Date.now() };
      fake.raw(`event: heartbeat\ndata: ${JSON.stringify(beat)}\n\n`);
    },
    cut() {
      for (const res of [...streams.feeds, ...streams.ackStreams]) res.destroy();
      streams.feeds.clear();
      streams.ackStreams.clear();
    },
    connections: () => streams.feeds.size,
    close,
  };
  return fake;
}

export async function startFakeAuthority(): Promise<FakeAuthority> {
  const streams: Streams = { feeds: new Set(), ackStreams: new Set() };
  let timer: NodeJS.Timeout | undefined;
  const fake = scripted(streams, async () => {
    if (timer) clearInterval(timer);
    fake.cut();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const server: Server = createServer((req, res) => void route(fake, streams, req, res));
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
