/**
 * Stable codes for configuration failures.
 * - `CONFIG_INVALID`: a value failed validation (wrong type, out of range, unknown key).
 * - `CONFIG_FILE_NOT_FOUND`: the config directory, a profile or the extra file does not exist.
 * - `CONFIG_FILE_INVALID`: a file is not valid YAML or its top level is not a mapping.
 * - `CONFIG_ENV_INVALID`: a `SWITCHBOARD_*` variable name does not map to a key path.
 */
export type ConfigErrorCode =
  'CONFIG_INVALID' | 'CONFIG_FILE_NOT_FOUND' | 'CONFIG_FILE_INVALID' | 'CONFIG_ENV_INVALID';

/**
 * Thrown by `loadConfig` when start-up must stop. The message is meant to be printed as is: one
 * line per problem, each starting with `config: ` and naming the key path and where the value came
 * from. Secrets in values are masked.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    readonly code: ConfigErrorCode,
    /** One line per problem; `message` is these joined by newlines. */
    readonly problems: readonly string[],
  ) {
    super(problems.join('\n'));
  }
}
