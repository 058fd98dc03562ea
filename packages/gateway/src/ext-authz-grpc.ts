/**
 * Envoy's external authorization over gRPC (`envoy.service.auth.v3.Authorization/Check`), for
 * Envoy and Istio set-ups that use `grpc_service` rather than `http_service`. The same decision
 * as `/auth`: the credential and original request come from the CheckRequest's HTTP attributes,
 * requirements from the rules file, else from the route's `context_extensions` (`scope`,
 * `audience`: set in Envoy's configuration, never by the client), else any valid credential.
 * Identity headers overwrite any the client sent; the others of their names are removed.
 * @module
 */
import { fileURLToPath } from "node:url";
import {
  type handleUnaryCall,
  loadPackageDefinition,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type sendUnaryData,
} from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import type { GatewayContext } from "./context.js";
import type { Decision } from "./decide.js";
import { ruleRequirement, timedDecision } from "./handlers.js";
import { identityHeaders } from "./identity-headers.js";
import type { RequestFacts } from "./request-facts.js";
import type { Requirement } from "./rules.js";

const PROTO = fileURLToPath(new URL("../proto/ext_authz.proto", import.meta.url));
const IDENTITY_NAMES = [
  "x-tessera-principal",
  "x-tessera-key-id",
  "x-tessera-token-id",
  "x-tessera-client-id",
  "x-tessera-scopes",
  "x-tessera-deprecated",
];
/** google.rpc.Code values Envoy reads from `status`. */
const RPC_CODE = { ok: 0, permissionDenied: 7, unavailable: 14, unauthenticated: 16 } as const;
/** HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD */
const OVERWRITE = 2;

interface CheckRequest {
  attributes?: {
    source?: { address?: { socket_address?: { address?: string } } };
    request?: {
      http?: { method?: string; headers?: Record<string, string>; path?: string; host?: string; scheme?: string };
    };
    context_extensions?: Record<string, string>;
  };
}

export interface ExtAuthzServer {
  /** `host:port` the gRPC server listens on. */
  address: string;
  close(): Promise<void>;
}

/** The proto's path, for clients (tests) that want the same definitions. */
export const EXT_AUTHZ_PROTO = PROTO;

export function loadExtAuthzPackage() {
  const definition = loadSync(PROTO, { keepCase: true, longs: String, defaults: true, oneofs: true });
  // biome-ignore lint/suspicious/noExplicitAny: generated at run time from the proto
  return (loadPackageDefinition(definition) as any).envoy.service.auth.v3;
}

/** Starts the gRPC Authorization service on `host:port` (port 0 picks a free one). */
export async function startExtAuthzServer(ctx: GatewayContext, host: string, port: number): Promise<ExtAuthzServer> {
  const server = new Server();
  const check: handleUnaryCall<CheckRequest, unknown> = (call, callback) => answerCheck(ctx, call, callback);
  server.addService(loadExtAuthzPackage().Authorization.service, { Check: check });
  const bound = await new Promise<number>((resolve, reject) => {
    const target = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
    server.bindAsync(target, ServerCredentials.createInsecure(), (error, actual) =>
      error ? reject(error) : resolve(actual),
    );
  });
  return {
    address: `${host.includes(":") ? `[${host}]` : host}:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        setTimeout(() => server.forceShutdown(), 1000).unref();
      }),
  };
}

function answerCheck(
  ctx: GatewayContext,
  call: ServerUnaryCall<CheckRequest, unknown>,
  callback: sendUnaryData<unknown>,
): void {
  try {
    const { facts, extensions } = checkFacts(call.request);
    const decision = timedDecision(ctx, facts, grpcRequirement(ctx, extensions, facts));
    callback(null, checkResponse(decision));
  } catch (error) {
    ctx.log("error", "ext_authz check failed", { error: (error as Error).message });
    callback(null, { status: { code: RPC_CODE.unavailable, message: "the gateway failed to decide" } });
  }
}

function checkFacts(request: CheckRequest): { facts: RequestFacts; extensions: Record<string, string> } {
  const attributes = request.attributes ?? {};
  const http = attributes.request?.http ?? {};
  const headers = http.headers ?? {};
  return {
    facts: {
      method: (http.method || "GET").toUpperCase(),
      uri: http.path || "/",
      authorization: headers.authorization,
      dpop: headers.dpop,
      // Envoy's own view of the downstream peer (it already applied its trusted-hops policy).
      address: attributes.source?.address?.socket_address?.address ?? "",
      userAgent: headers["user-agent"] ?? "",
      origin: `${http.scheme || "http"}://${http.host || "localhost"}`,
    },
    extensions: attributes.context_extensions ?? {},
  };
}

function grpcRequirement(ctx: GatewayContext, extensions: Record<string, string>, facts: RequestFacts): Requirement {
  if (ctx.rules || (extensions.scope === undefined && extensions.audience === undefined)) {
    return ruleRequirement(ctx, facts);
  }
  const scopes = (extensions.scope ?? "").split(" ").filter((s) => s !== "");
  const audience = extensions.audience;
  return { kind: "credential", ...(scopes.length ? { scopes } : {}), ...(audience ? { audience } : {}) };
}

const option = (key: string, value: string) => ({ header: { key, value }, append_action: OVERWRITE });

function checkResponse(decision: Decision) {
  if (decision.ok) {
    const identity = decision.outcome === "ok" ? identityHeaders(decision.credential) : {};
    return {
      status: { code: RPC_CODE.ok },
      ok_response: {
        headers: Object.entries(identity).map(([key, value]) => option(key, value)),
        headers_to_remove: IDENTITY_NAMES.filter((name) => !(name in identity)),
      },
    };
  }
  const code =
    decision.status === 503
      ? RPC_CODE.unavailable
      : decision.status === 403
        ? RPC_CODE.permissionDenied
        : RPC_CODE.unauthenticated;
  return {
    status: { code, message: decision.body.error },
    denied_response: {
      status: { code: decision.status },
      headers: [
        ...Object.entries(decision.headers).map(([key, value]) => option(key, value)),
        option("content-type", "application/json"),
      ],
      body: JSON.stringify(decision.body),
    },
  };
}
