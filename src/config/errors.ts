/**
 * ConfigError: the configuration cannot be used. Its message names the file, the
 * environment variable or the key path, and the problem, one problem per line.
 */
export class ConfigError extends Error {
  override readonly name = "ConfigError";

  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
  }
}
