import { ConfigError } from './config-error.js';
import type { KeyPath } from './key-path.js';

/** Every configuration variable starts with this. */
export const ENV_PREFIX = 'SWITCHBOARD_';

/**
 * Variables that steer loading itself and are not key overrides:
 * `SWITCHBOARD_PROFILE` (profile name), `SWITCHBOARD_CONFIG_DIR` (folder holding the profiles),
 * `SWITCHBOARD_CONFIG_FILE` (an extra YAML file merged after the profile).
 */
export const CONTROL_VARIABLES = [
  'SWITCHBOARD_PROFILE',
  'SWITCHBOARD_CONFIG_DIR',
  'SWITCHBOARD_CONFIG_FILE',
] as const;

/** One `SWITCHBOARD_*` variable turned into a key path and a value. */
export interface EnvOverride {
  /** The variable name, used as the source in error messages. */
  name: string;
  path: KeyPath;
  /** The value parsed as JSON when it parses, else the raw text. */
  value: unknown;
  /** The text as given, for when JSON parsing guessed the wrong type. */
  raw: string;
}

/**
 * Maps `SWITCHBOARD_*` variables to key paths: after the prefix, `__` separates levels and each
 * level is SNAKE_CASE turned into camelCase. `SWITCHBOARD_GATE__WS__PORT=9000` sets
 * `gate.ws.port` to 9000; `SWITCHBOARD_GATE__RATE_LIMIT__BURST` sets `gate.rateLimit.burst`;
 * `SWITCHBOARD_DATA_DIR` sets `dataDir`. Values are parsed as JSON when they parse (numbers,
 * booleans, `["a","b"]`, `{"port":1}`), else taken as text. Sorted by name so the result does not
 * depend on the order of the environment.
 */
export function envOverrides(env: Readonly<Record<string, string | undefined>>): EnvOverride[] {
  const control: readonly string[] = CONTROL_VARIABLES;
  const overrides: EnvOverride[] = [];
  for (const name of Object.keys(env).sort()) {
    const raw = env[name];
    if (raw === undefined || !name.startsWith(ENV_PREFIX) || control.includes(name)) continue;
    overrides.push({ name, path: envNameToPath(name), value: parseEnvValue(raw), raw });
  }
  return overrides;
}

/** `SWITCHBOARD_GATE__RATE_LIMIT__BURST` -> `['gate', 'rateLimit', 'burst']`. */
export function envNameToPath(name: string): string[] {
  const segments = name.slice(ENV_PREFIX.length).split('__');
  if (segments.some((segment) => !/^[A-Za-z0-9]+(_[A-Za-z0-9]+)*$/.test(segment))) {
    throw new ConfigError('CONFIG_ENV_INVALID', [
      `config: ${name}: expected SWITCHBOARD_ then KEY__NESTED_KEY (levels separated by "__", words by "_")`,
    ]);
  }
  return segments.map(snakeToCamel);
}

/** `['gate', 'rateLimit', 'burst']` -> `SWITCHBOARD_GATE__RATE_LIMIT__BURST`. */
export function pathToEnvName(path: KeyPath): string {
  return (
    ENV_PREFIX +
    path
      .filter((segment): segment is string => typeof segment === 'string')
      .map((segment) => segment.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase())
      .join('__')
  );
}

function snakeToCamel(segment: string): string {
  return segment.toLowerCase().replace(/_([a-z0-9])/g, (_match, c: string) => c.toUpperCase());
}

function parseEnvValue(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}
