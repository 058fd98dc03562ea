export { migrationProvider } from "./migrations/index.js";
export { GENESIS_HASH } from "./migrations/genesis.js";
