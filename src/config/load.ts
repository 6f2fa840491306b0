/**
 * loadConfig: file (YAML) → REGISTRY_* overrides → defaults and validation → Config.
 * The file is options.path, else $REGISTRY_CONFIGURATION_PATH, else none (pure defaults).
 */
import { readFileSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { applyEnvOverrides, CONFIG_PATH_VARIABLE } from "./env.js";
import { ConfigError } from "./errors.js";
import { formatIssues } from "./issues.js";
import { configSchema } from "./schema.js";
import { addDefaultDriver, expandShorthands } from "./storage.js";
import type { Config } from "./types.js";
import { parseYaml } from "./yaml.js";

export interface LoadConfigOptions {
  /** The config file; relative to cwd. */
  path?: string;
  /** Where REGISTRY_* variables come from (process.env by default). */
  env?: NodeJS.ProcessEnv;
  /** Base of relative paths: the file, storage.filesystem.rootdirectory, database.path (process.cwd() by default). */
  cwd?: string;
  /** Told about REGISTRY_* variables that name no key (registry:2 logs these too). Default: stderr. */
  warn?: (message: string) => void;
}

function readTree(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const reason = error instanceof Error && "code" in error ? String(error.code) : String(error);
    throw new ConfigError([`${file}: cannot read the configuration file (${reason})`]);
  }
  const tree = parseYaml(text, file) ?? {};
  if (typeof tree !== "object" || Array.isArray(tree)) {
    throw new ConfigError([`${file}: expected a map of configuration keys at the top level`]);
  }
  return tree as Record<string, unknown>;
}

function resolvePaths(config: Config, cwd: string): Config {
  const { storage, database } = config;
  if (storage.driver === "filesystem" && typeof storage.parameters.rootdirectory === "string") {
    storage.parameters.rootdirectory = resolve(cwd, storage.parameters.rootdirectory);
  }
  // SQLite's ":memory:" is not a file.
  if (database.path !== ":memory:" && !isAbsolute(database.path)) database.path = resolve(cwd, database.path);
  return config;
}

export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const warn = options.warn ?? ((message: string) => process.stderr.write(`berth: ${message}\n`));
  const path = options.path ?? (env[CONFIG_PATH_VARIABLE] || undefined);

  const tree = path === undefined ? {} : readTree(resolve(cwd, path));
  const fileHasStorage = tree.storage !== undefined;
  expandShorthands(tree);
  const { setBy, ignored } = applyEnvOverrides(tree, configSchema, env);
  for (const name of ignored) warn(`ignoring ${name}: it names no configuration key`);
  if (!fileHasStorage) addDefaultDriver(tree);

  const result = configSchema.safeParse(tree, { reportInput: true });
  if (!result.success) {
    throw new ConfigError(formatIssues(result.error.issues, setBy));
  }
  return resolvePaths(result.data, cwd);
}
