// A freshly migrated throw-away storage for benchmarks that run logic's code in their own process:
// a scratch MariaDB database, or with `sqlite` a SQLite file in a temporary folder.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScratchMysqlDatabase, createStorage, type Storage } from '@switchboard/storage';

export interface ScratchStorage {
  readonly storage: Storage;
  readonly dialect: 'sqlite' | 'mariadb';
  /** Closes the storage and drops its database or folder. */
  dispose(): Promise<void>;
}

export async function openScratchStorage(options: {
  sqlite: boolean;
  mysqlServerUri: string;
  /** Names the scratch database or folder. */
  prefix: string;
}): Promise<ScratchStorage> {
  const dir = options.sqlite ? mkdtempSync(join(tmpdir(), `${options.prefix}-`)) : undefined;
  const db = dir ? undefined : await createScratchMysqlDatabase(options.mysqlServerUri, options.prefix);
  const storage = dir
    ? await createStorage({ dialect: 'sqlite', file: join(dir, 'db.sqlite') })
    : await createStorage({ dialect: 'mysql', uri: db!.uri });
  const dispose = async () => {
    await storage.close();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    await storage.migrate();
  } catch (err) {
    await dispose();
    throw err;
  }
  return { storage, dialect: dir ? 'sqlite' : 'mariadb', dispose };
}
