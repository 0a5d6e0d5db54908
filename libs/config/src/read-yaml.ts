import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ConfigError } from './config-error.js';
import { isPlainObject } from './key-path.js';

/**
 * Reads a YAML file whose top level must be a mapping (an empty file counts as an empty one).
 * `label` names the file in errors.
 */
export function readYamlMapping(file: string, label: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String(error);
    throw new ConfigError('CONFIG_FILE_NOT_FOUND', [`config: ${label}: ${reason}`]);
  }
  let parsed: unknown;
  try {
    parsed = parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new ConfigError('CONFIG_FILE_INVALID', [`config: ${label}: not valid YAML: ${reason}`]);
  }
  if (parsed === null || parsed === undefined) return {};
  if (!isPlainObject(parsed)) {
    throw new ConfigError('CONFIG_FILE_INVALID', [
      `config: ${label}: expected a mapping of keys to values at the top level`,
    ]);
  }
  return parsed;
}
