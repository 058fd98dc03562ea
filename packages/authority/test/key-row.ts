/**
 * Test helper: an `api_keys` row written directly (fixtures, or a writer a test holds open),
 * active, unused and never revoked unless `fields` says otherwise.
 */
import type { ApiKeysTable } from "../src/db/schema.js";

export function keyRowFixture(
  fields: Pick<ApiKeysTable, "id" | "principal_id" | "key_hash"> & Partial<ApiKeysTable>,
): ApiKeysTable {
  return {
    start: "tsk_x",
    scopes: '["orders:read"]',
    audience: null,
    description: "",
    metadata: "{}",
    status: "active",
    created_at: 1,
    created_by: "test",
    expires_at: null,
    revoked_at: null,
    revoked_by: null,
    revoked_reason: null,
    replaced_by: null,
    replaces: null,
    grace_until: null,
    expires_at_before_rotation: null,
    last_used_at: null,
    suspended_at: null,
    suspended_by: null,
    suspended_reason: null,
    suspended_via: null,
    canary: 0,
    ...fields,
  };
}
