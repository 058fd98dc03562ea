import type { ServiceContext } from "../context.js";
import { KEY_STATES, type KeyState } from "../domain/keys.js";

/** Keys by state, counted in the database (for metrics and the dashboard). */
export function createTokenCounts(ctx: ServiceContext) {
  return async function countKeysByState(): Promise<Record<KeyState, number>> {
    const now = ctx.clock.now();
    const rows = await ctx.db
      .selectFrom("api_keys")
      .select((eb) => [
        "status",
        eb
          .case()
          .when(eb.and([eb("status", "!=", "revoked"), eb("expires_at", "<=", now)]))
          .then(1)
          .else(0)
          .end()
          .as("expired"),
        eb
          .case()
          .when(eb("suspended_at", "is not", null))
          .then(1)
          .else(0)
          .end()
          .as("suspended"),
        eb.fn.countAll<number>().as("count"),
      ])
      .groupBy(["status", "expired", "suspended"])
      .execute();
    const counts = Object.fromEntries(KEY_STATES.map((s) => [s, 0])) as Record<KeyState, number>;
    for (const row of rows) {
      // Revoked and expired win over suspended, as in keyState.
      const state: KeyState =
        row.status === "revoked"
          ? "revoked"
          : Number(row.expired) === 1
            ? "expired"
            : Number(row.suspended) === 1
              ? "suspended"
              : (row.status as KeyState);
      counts[state] += Number(row.count);
    }
    return counts;
  };
}
