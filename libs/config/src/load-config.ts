import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { z } from 'zod';
import { ConfigError } from './config-error.js';
import { configSchema, type Config } from './config-schema.js';
import { envOverrides, type EnvOverride } from './env-overrides.js';
import { findConfigDir } from './find-config-dir.js';
import { formatIssues } from './format-issues.js';
import { formatKeyPath } from './key-path.js';
import { LayeredTree } from './layered-tree.js';
import { readYamlMapping } from './read-yaml.js';

/** The profile used when neither the caller nor `SWITCHBOARD_PROFILE` names one. */
export const DEFAULT_PROFILE = 'embedded';

/** A partial configuration: any subset of keys, at any depth. */
export type ConfigOverrides = DeepPartial<Config>;
type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** Options for {@link loadConfig}. Everything is optional; tests pass `env: {}` to stay hermetic. */
export interface LoadConfigOptions {
  /** Profile name (a file `<name>.yaml` in the config folder); else `SWITCHBOARD_PROFILE`, else `embedded`. */
  profile?: string;
  /** Folder holding `default.yaml` and the profiles; else `SWITCHBOARD_CONFIG_DIR`, else the nearest `config/`. */
  configDir?: string;
  /** Extra YAML file merged after the profile; else `SWITCHBOARD_CONFIG_FILE`. */
  file?: string;
  /** Environment to read `SWITCHBOARD_*` from; defaults to `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Values applied last, on top of everything (for tests and embedding). */
  overrides?: ConfigOverrides;
  /** Folder relative paths are resolved against; defaults to `process.cwd()`. */
  cwd?: string;
}

/**
 * Loads and validates the configuration. Layers, each on top of the previous:
 * `default.yaml` <- `<profile>.yaml` <- extra file <- `SWITCHBOARD_*` variables <- `overrides`.
 * Mappings merge key by key; scalars and lists replace. The result is checked against the schema,
 * whose sections reject unknown keys.
 *
 * An empty `internal.secret` (allowed in the embedded profile only) is replaced by a random one.
 *
 * @throws ConfigError listing every problem, each naming the key path, what was expected, what
 *   was found and which layer it came from.
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const configDir = findConfigDir(cwd, options.configDir ?? env.SWITCHBOARD_CONFIG_DIR);
  const profile = options.profile ?? env.SWITCHBOARD_PROFILE ?? DEFAULT_PROFILE;
  const label = (file: string) => displayPath(cwd, file);

  const tree = new LayeredTree();
  const defaultFile = join(configDir, 'default.yaml');
  tree.merge(readYamlMapping(defaultFile, label(defaultFile)), label(defaultFile));
  if (profile !== 'default') {
    const profileFile = profileFileFor(configDir, profile);
    tree.merge(readYamlMapping(profileFile, label(profileFile)), label(profileFile));
  }
  tree.set(['profile'], profile, profileSource(options.profile, env.SWITCHBOARD_PROFILE));
  const extraFile = options.file ?? env.SWITCHBOARD_CONFIG_FILE;
  if (extraFile !== undefined && extraFile !== '') {
    const file = resolve(cwd, extraFile);
    tree.merge(readYamlMapping(file, label(file)), label(file));
  }
  const fromEnv = envOverrides(env);
  for (const override of fromEnv) tree.set(override.path, override.value, override.name);
  if (options.overrides) tree.merge(options.overrides as Record<string, unknown>, 'overrides');

  const config = validate(tree, fromEnv);
  // Only self-contained profiles get here with no secret (see SELF_CONTAINED_PROFILES): a random
  // one, in memory only, shared by the services that use this config object.
  if (config.internal.secret === '') config.internal.secret = randomBytes(32).toString('base64url');
  return config;
}

function validate(tree: LayeredTree, fromEnv: readonly EnvOverride[]): Config {
  let result = configSchema.safeParse(tree.root);
  // JSON parsing of variables guesses types; where the schema wanted text or a list, use the text
  // as given (`SWITCHBOARD_GATE__ID=42`) or split it on commas (`...ALLOWED_ORIGINS=a,b`).
  if (!result.success && reinterpretEnvValues(tree, fromEnv, result.error.issues)) {
    result = configSchema.safeParse(tree.root);
  }
  if (!result.success) {
    throw new ConfigError('CONFIG_INVALID', formatIssues(result.error.issues, tree, configSchema));
  }
  return result.data;
}

function reinterpretEnvValues(
  tree: LayeredTree,
  fromEnv: readonly EnvOverride[],
  issues: readonly z.core.$ZodIssue[],
): boolean {
  let changed = false;
  for (const issue of issues) {
    if (issue.code !== 'invalid_type') continue;
    const issuePath = formatKeyPath(issue.path);
    const override = fromEnv.find((candidate) => formatKeyPath(candidate.path) === issuePath);
    if (!override || tree.sourceOf(issue.path) !== override.name) continue;
    if (issue.expected === 'string') {
      tree.set(override.path, override.raw, override.name);
      changed = true;
    } else if (issue.expected === 'array' && typeof override.value !== 'object') {
      const items = override.raw.split(',').map((item) => item.trim());
      tree.set(
        override.path,
        items.filter((item) => item !== ''),
        override.name,
      );
      changed = true;
    }
  }
  return changed;
}

function profileSource(fromOptions: string | undefined, fromEnv: string | undefined): string {
  if (fromOptions !== undefined) return 'loadConfig({ profile })';
  return fromEnv !== undefined ? 'SWITCHBOARD_PROFILE' : 'the default profile';
}

function profileFileFor(configDir: string, profile: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(profile)) {
    throw new ConfigError('CONFIG_FILE_NOT_FOUND', [
      `config: profile: expected a profile name (letters, digits, "-", "_"), got ${JSON.stringify(profile)}`,
    ]);
  }
  const file = join(configDir, `${profile}.yaml`);
  if (!existsSync(file)) {
    const available = readdirSync(configDir)
      .filter((name) => name.endsWith('.yaml'))
      .map((name) => name.slice(0, -'.yaml'.length))
      .sort();
    throw new ConfigError('CONFIG_FILE_NOT_FOUND', [
      `config: profile: no profile ${JSON.stringify(profile)} in ${configDir} (available: ${available.join(', ')})`,
    ]);
  }
  return file;
}

function displayPath(cwd: string, file: string): string {
  const fromCwd = relative(cwd, file);
  return fromCwd !== '' && !fromCwd.startsWith('..') && !isAbsolute(fromCwd) ? fromCwd : file;
}
