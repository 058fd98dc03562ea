export { type Authority, type AuthorityOptions, createAuthority } from "./authority.js";
export { type Clock, ManualClock, systemClock } from "./clock.js";
export { loadConfig, type TesseraConfig } from "./config.js";
export { type Database, openDatabase } from "./db/database.js";
export { ADMIN_SCOPES } from "./domain/scopes.js";
export { TesseraError, type TesseraErrorCode } from "./errors.js";
export { buildApp } from "./http/app.js";
export { type RunningAuthority, startAuthority } from "./server.js";
