import { resolve } from 'node:path';
import type { Config } from '@switchboard/config';
import { createStorage } from './create-storage.js';
import type { Storage } from './storage.js';

/**
 * Opens the database the configuration names (`logic.storage`: the SQLite file, relative to the
 * working directory, or MySQL) and applies pending migrations. `poolSize` overrides
 * `mysql.poolSize` (a command-line tool needs one connection, not a service's pool).
 */
export async function openConfiguredStorage(
  config: Pick<Config, 'logic' | 'sqlite' | 'mysql'>,
  poolSize: number = config.mysql.poolSize,
): Promise<Storage> {
  const storage =
    config.logic.storage === 'sqlite'
      ? await createStorage({ dialect: 'sqlite', file: resolve(config.sqlite.file) })
      : await createStorage({ dialect: 'mysql', uri: config.mysql.uri, poolSize });
  await storage.migrate();
  return storage;
}
