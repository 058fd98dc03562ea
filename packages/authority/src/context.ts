import type { Kysely } from "kysely";
import type { Clock } from "./clock.js";
import type { TesseraConfig } from "./config.js";
import type { ChangeGate } from "./db/change-gate.js";
import type { Schema } from "./db/schema.js";
import type { CommitListener } from "./db/transaction.js";

/** What every service needs, passed in (never imported as a global) so tests can swap any of it. */
export interface ServiceContext {
  db: Kysely<Schema>;
  clock: Clock;
  config: TesseraConfig;
  /** Hears every committed unit's change-log rows: the feed (see db/transaction.ts). */
  commitListener: CommitListener | undefined;
  /** Hot reads remembered in memory until a change is heard (db/change-gate.ts); absent: always read. */
  changeGate?: ChangeGate;
}
