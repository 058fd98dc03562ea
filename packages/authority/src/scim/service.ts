/**
 * SCIM Users over principals: what identity providers (Entra ID, Okta) do when they provision
 * and deprovision. Each write goes through the principals feature, so it is the same audited,
 * change-logged unit of work as the admin API's (`principal.created`, `principal.updated`,
 * `principal.disabled` with every credential revoked, `principal.enabled`), with the reason
 * saying it came from the identity provider.
 *
 * A provisioned user is a principal of kind `user`, owned by its own userName, allowed no
 * scopes until an operator grants some. DELETE disables it (revoking what it holds) and hides
 * it from SCIM; the principal stays for the audit trail, and provisioning the same userName
 * again brings it back (its old credentials stay revoked).
 */
import type { ServiceContext } from "../context.js";
import type { Actor } from "../domain/actor.js";
import { type PrincipalView, toPrincipalView } from "../domain/keys.js";
import type { PrincipalService, PrincipalUpdater } from "../principals/index.js";
import { ScimError } from "./errors.js";
import { parseFilter } from "./filter.js";
import { matchesFilter, userNameEquality } from "./filter-match.js";
import { applyPatch } from "./patch.js";
import { inputFrom, type ScimUserInput, storedFrom, storedOf, toScimUser } from "./user.js";

const FROM_IDP = "by the identity provider (SCIM)";
/** Users a filter other than `userName eq` is evaluated over, at most (a larger set: 400 tooMany). */
export const SCIM_FILTER_SCAN_LIMIT = 10_000;
const MAX_COUNT = 1000;

export interface ScimListQuery {
  filter?: string;
  startIndex?: number;
  count?: number;
}

interface Deps {
  principals: PrincipalService;
  updates: PrincipalUpdater;
}

const isDeleted = (p: PrincipalView) => storedOf(p).deleted === true;

async function findByName(ctx: ServiceContext, name: string): Promise<PrincipalView | null> {
  const row = await ctx.db.selectFrom("principals").selectAll().where("name", "=", name).executeTakeFirst();
  return row ? toPrincipalView(row) : null;
}

/** The user a SCIM id (a principal id, or a name for older clients) names; 404 otherwise. */
async function findUser(ctx: ServiceContext, id: string): Promise<PrincipalView> {
  const row = id.startsWith("prn_")
    ? await ctx.db.selectFrom("principals").selectAll().where("id", "=", id).executeTakeFirst()
    : await ctx.db.selectFrom("principals").selectAll().where("name", "=", id).executeTakeFirst();
  const principal = row ? toPrincipalView(row) : null;
  if (!principal || isDeleted(principal)) throw new ScimError(404, `user ${id} not found`);
  return principal;
}

/** Writes `input` over `principal`: its SCIM attributes, then its active state. */
async function write(deps: Deps, principal: PrincipalView, input: ScimUserInput, actor: Actor, verb: string) {
  if (input.userName !== principal.name) {
    throw new ScimError(400, "userName cannot change: deprovision this user and provision the new name", "mutability");
  }
  let current = principal;
  const metadata = { ...principal.metadata, scim: storedFrom(input) };
  if (JSON.stringify(metadata) !== JSON.stringify(principal.metadata)) {
    current = (await deps.updates.update(principal.id, { metadata, reason: `${verb} ${FROM_IDP}` }, actor)).principal;
  }
  if (input.active && current.status === "disabled") {
    current = await deps.updates.enable(principal.id, actor, `reactivated ${FROM_IDP}`);
  } else if (!input.active && current.status === "active") {
    current = (await deps.principals.disable(principal.id, `deprovisioned ${FROM_IDP}`, actor)).principal;
  }
  return current;
}

async function listUsers(ctx: ServiceContext, query: ScimListQuery, baseUrl: string) {
  const startIndex = Math.max(1, Math.floor(query.startIndex ?? 1));
  const count = Math.min(MAX_COUNT, Math.max(0, Math.floor(query.count ?? 100)));
  const filter = query.filter === undefined ? undefined : parseFilter(query.filter);
  const byName = filter ? userNameEquality(filter) : null;
  let users: PrincipalView[];
  if (byName !== null) {
    const one = await findByName(ctx, byName);
    users = one && !isDeleted(one) ? [one] : [];
  } else {
    const rows = await ctx.db
      .selectFrom("principals")
      .selectAll()
      .where("kind", "=", "user")
      .orderBy("created_at")
      .orderBy("name")
      .limit(SCIM_FILTER_SCAN_LIMIT + 1)
      .execute();
    if (rows.length > SCIM_FILTER_SCAN_LIMIT) {
      throw new ScimError(400, `more than ${SCIM_FILTER_SCAN_LIMIT} users: filter by userName eq`, "tooMany");
    }
    users = rows.map(toPrincipalView).filter((p) => !isDeleted(p));
  }
  const resources = users.map((p) => toScimUser(p, baseUrl));
  const matching = filter ? resources.filter((r) => matchesFilter(r, filter)) : resources;
  const page = matching.slice(startIndex - 1, startIndex - 1 + count);
  return {
    schemas: ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
    totalResults: matching.length,
    startIndex,
    itemsPerPage: page.length,
    Resources: page,
  };
}

async function createUser(ctx: ServiceContext, deps: Deps, input: ScimUserInput, actor: Actor) {
  const existing = await findByName(ctx, input.userName);
  if (existing && !isDeleted(existing)) {
    throw new ScimError(409, `a user named ${input.userName} already exists (id ${existing.id})`, "uniqueness");
  }
  if (existing) return write(deps, existing, input, actor, "provisioned again");
  const created = await deps.principals.create(
    {
      name: input.userName,
      kind: "user",
      owner: input.userName,
      allowedScopes: [],
      metadata: { scim: storedFrom(input) },
    },
    actor,
  );
  return input.active
    ? created
    : (await deps.principals.disable(created.id, `provisioned inactive ${FROM_IDP}`, actor)).principal;
}

async function deleteUser(ctx: ServiceContext, deps: Deps, id: string, actor: Actor): Promise<void> {
  const principal = await findUser(ctx, id);
  if (principal.status === "active") await deps.principals.disable(principal.id, `deleted ${FROM_IDP}`, actor);
  const metadata = { ...principal.metadata, scim: { ...storedOf(principal), deleted: true } };
  await deps.updates.update(principal.id, { metadata, reason: `deleted ${FROM_IDP}` }, actor);
}

export function createScimService(ctx: ServiceContext, deps: Deps) {
  return {
    list: (query: ScimListQuery, baseUrl: string) => listUsers(ctx, query, baseUrl),
    get: (id: string) => findUser(ctx, id),
    create: (input: ScimUserInput, actor: Actor) => createUser(ctx, deps, input, actor),
    replace: async (id: string, input: ScimUserInput, actor: Actor) =>
      write(deps, await findUser(ctx, id), input, actor, "replaced"),
    patch: async (id: string, body: unknown, actor: Actor) => {
      const principal = await findUser(ctx, id);
      return write(deps, principal, applyPatch(inputFrom(principal), body), actor, "patched");
    },
    remove: (id: string, actor: Actor) => deleteUser(ctx, deps, id, actor),
  };
}

export type ScimService = ReturnType<typeof createScimService>;
