export { loadConfig, DEFAULT_PROFILE, type LoadConfigOptions, type ConfigOverrides } from './load-config.js';
export {
  configSchema,
  internalSecrets,
  INTERNAL_SECRET_MIN_LENGTH,
  LOG_LEVELS,
  SELF_CONTAINED_PROFILES,
  type Config,
  type LogConfig,
  type GateConfig,
  type TlsConfig,
  type RouteConfig,
  type LogicConfig,
  type GateClientConfig,
  type SqliteConfig,
  type MysqlConfig,
  type RedisConfig,
  type InternalConfig,
} from './config-schema.js';
export { ConfigError, type ConfigErrorCode } from './config-error.js';
export { redactConfig, maskUriPassword } from './redact-config.js';
export { ENV_PREFIX, CONTROL_VARIABLES, envNameToPath, pathToEnvName } from './env-overrides.js';
