import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from './config-error.js';

// Test support only (not exported from the package).

/** A valid `internal.secret` for tests of profiles that require one (production). */
export const TEST_INTERNAL_SECRET = 'test-internal-secret-0123456789abcdef';

/** The repository's `config/` folder. */
export const repoConfigDir = fileURLToPath(new URL('../../../config/', import.meta.url));

/**
 * A scratch config folder holding the repository's default.yaml plus the given extra files,
 * with a `cleanup` to remove it.
 */
export function scratchConfigDir(files: Record<string, string> = {}): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'sb-config-'));
  copyFileSync(join(repoConfigDir, 'default.yaml'), join(dir, 'default.yaml'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs `run` and returns the ConfigError it throws; fails if it throws nothing or something else. */
export function catchConfigError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}
