import { join, isAbsolute } from 'node:path';
import type { Config } from '@switchboard/config';
import { createStorage, type Storage } from '@switchboard/storage';

/** Opens the configured database (SQLite file relative to dataDir, or MySQL) and migrates it. */
export async function openStorage(config: Config): Promise<Storage> {
  const storage =
    config.logic.storage === 'sqlite'
      ? await createStorage({
          dialect: 'sqlite',
          file: isAbsolute(config.sqlite.file) ? config.sqlite.file : join(process.cwd(), config.sqlite.file),
        })
      : await createStorage({ dialect: 'mysql', uri: config.mysql.uri, poolSize: config.mysql.poolSize });
  await storage.migrate();
  return storage;
}
