export { createAuthority, type Authority, type AuthorityOptions } from "./authority.js";
export { startAuthority, type RunningAuthority } from "./server.js";
export { buildApp } from "./http/app.js";
export { loadConfig, type TesseraConfig } from "./config.js";
export { TesseraError, type TesseraErrorCode } from "./errors.js";
export { openDatabase, type Database } from "./db/database.js";
export { systemClock, ManualClock, type Clock } from "./clock.js";
export { ADMIN_SCOPES } from "./domain/scopes.js";
