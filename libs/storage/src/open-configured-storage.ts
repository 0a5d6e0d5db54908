import { resolve } from 'node:path';
import type { Config } from '@switchboard/config';
import { createStorage, type StorageOptions } from './create-storage.js';
import type { Storage } from './storage.js';

/**
 * Opens the database the configuration names (`logic.storage`: the SQLite file, relative to the
 * working directory, or MySQL) and applies pending migrations. `poolSize` overrides
 * `mysql.poolSize` (a command-line tool needs one connection, not a service's pool); `observe`
 * times every statement (the service's database metrics).
 */
export async function openConfiguredStorage(
  config: Pick<Config, 'logic' | 'sqlite' | 'mysql'>,
  poolSize: number = config.mysql.poolSize,
  observe?: StorageOptions['observe'],
): Promise<Storage> {
  const timed = observe ? { observe } : {};
  const storage =
    config.logic.storage === 'sqlite'
      ? await createStorage({ dialect: 'sqlite', file: resolve(config.sqlite.file), ...timed })
      : await createStorage({ dialect: 'mysql', uri: config.mysql.uri, poolSize, ...timed });
  await storage.migrate();
  return storage;
}
