/**
 * The authority's configuration, built from the one table of options in config/options.ts
 * (environment variable, default, parser, doc per row). `loadConfig` validates at start-up so
 * that a bad value fails loudly, naming its variable, instead of running with a surprise.
 */

import { CONFIG_OPTIONS, type ConfigField, type ConfigOption, ORDERED_LIMITS } from "./config/options.js";
import type { Env } from "./config/parsers.js";
import { databaseKind } from "./db/url.js";
import { validationFailed } from "./errors.js";

export { DEFAULT_DATABASE_URL } from "./config/options.js";
export { unknownVariableWarnings } from "./config/unknown-variables.js";
export type { Env };

type OptionValue<Row> = Row extends ConfigOption<infer T> ? T : never;

/** One field per row of CONFIG_OPTIONS; each row documents its field. */
export type TesseraConfig = { -readonly [K in ConfigField]: OptionValue<(typeof CONFIG_OPTIONS)[K]> };

/** The raw text of an option: its variable when set and not empty, else the row's default. */
function rawValue(row: ConfigOption<unknown>, env: Env): string {
  const value = env[row.env];
  return value === undefined || value === "" ? row.default : value;
}

/** Builds the configuration from environment variables and explicit overrides (CLI flags). */
export function loadConfig(env: Env = process.env, overrides: Partial<TesseraConfig> = {}): TesseraConfig {
  const config: Record<string, unknown> = {};
  for (const [field, row] of Object.entries(CONFIG_OPTIONS) as [ConfigField, ConfigOption<unknown>][]) {
    const override = overrides[field];
    config[field] = override !== undefined ? override : row.parse(rawValue(row, env), row.env, env);
  }
  const result = config as TesseraConfig;
  completeDerivedDefaults(result, env, overrides);
  for (const [lower, upper] of ORDERED_LIMITS) {
    if ((result[lower] as number) > (result[upper] as number)) {
      throw validationFailed(`${CONFIG_OPTIONS[lower].env} must not exceed ${CONFIG_OPTIONS[upper].env}`);
    }
  }
  // A URL naming no store we support fails here, before anything is created.
  databaseKind(result.databaseUrl);
  return result;
}

/** Defaults that depend on another option: the issuer on the port, accepted prefixes on the prefix. */
function completeDerivedDefaults(config: TesseraConfig, env: Env, overrides: Partial<TesseraConfig>): void {
  if (config.issuer === "") config.issuer = `http://localhost:${config.port}`;
  config.issuer = config.issuer.replace(/\/+$/, "");
  if (overrides.acceptedKeyPrefixes === undefined) {
    config.acceptedKeyPrefixes = [...new Set([config.keyPrefix, ...config.acceptedKeyPrefixes])];
  }
  if (overrides.keyPrefix !== undefined) CONFIG_OPTIONS.keyPrefix.parse(overrides.keyPrefix, "keyPrefix", env);
}
