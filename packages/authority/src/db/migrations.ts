export { GENESIS_HASH } from "./migrations/genesis.js";
export { migrationProvider } from "./migrations/index.js";
