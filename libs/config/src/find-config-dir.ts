import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from './config-error.js';

/**
 * The folder holding `default.yaml` and the profiles: `explicit` if given, else the nearest
 * `config/` with a `default.yaml` in `cwd` or one of its parents (so a command run from inside an
 * app's folder still finds the repository's profiles).
 */
export function findConfigDir(cwd: string, explicit?: string): string {
  if (explicit !== undefined) {
    const dir = resolve(cwd, explicit);
    if (!existsSync(join(dir, 'default.yaml'))) {
      throw new ConfigError('CONFIG_FILE_NOT_FOUND', [`config: ${dir}: no default.yaml in this folder`]);
    }
    return dir;
  }
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, 'config');
    if (existsSync(join(candidate, 'default.yaml'))) return candidate;
    if (dirname(dir) === dir) break;
  }
  throw new ConfigError('CONFIG_FILE_NOT_FOUND', [
    `config: no config/default.yaml in ${resolve(cwd)} or its parents (set SWITCHBOARD_CONFIG_DIR)`,
  ]);
}
