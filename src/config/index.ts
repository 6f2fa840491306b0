/** Configuration: registry:2's config.yml and REGISTRY_* variables, validated, with Berth's defaults. */
export { loadConfig, type LoadConfigOptions } from "./load.js";
export { ConfigError } from "./errors.js";
export { parseGoDuration } from "./duration.js";
export type * from "./types.js";
