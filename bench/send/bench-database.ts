import { createScratchMysqlDatabase, createStorage, type Storage } from '@switchboard/storage';
import { BENCH_APP_ID, type Workload } from './workload.js';

/** A freshly migrated throw-away database holding the benchmark's app and users. */
export interface BenchDatabase {
  readonly name: string;
  /** `mysql://...` of the database, for a client of its own. */
  readonly uri: string;
  readonly storage: Storage;
  /** Closes the pool and drops the database. */
  dispose(): Promise<void>;
}

/**
 * Creates a database for one scenario, so that every scenario starts from the same empty tables
 * and no run inherits the previous one's rows or buffer-pool state. The users exist beforehand,
 * as they would in a deployment; their seq counters start at 0. The database stays in `live` until
 * disposed, so that an interrupted run can still drop it.
 */
export async function openBenchDatabase(
  serverUri: string,
  poolSize: number,
  workload: Workload,
  live: Set<BenchDatabase>,
): Promise<BenchDatabase> {
  const scratch = await createScratchMysqlDatabase(serverUri, 'sb_bench');
  let storage: Storage | undefined;
  try {
    storage = await createStorage({ dialect: 'mysql', uri: scratch.uri, poolSize });
    await storage.migrate();
    await storage.apps.create({ appId: BENCH_APP_ID, name: 'Benchmark', tokenSecret: 'bench-secret' });
    const ids = Array.from({ length: workload.users }, (_, i) => workload.userId(i));
    for (let i = 0; i < ids.length; i += 50) {
      const s = storage;
      await Promise.all(
        ids.slice(i, i + 50).map((userId) => s.users.upsert({ appId: BENCH_APP_ID, userId })),
      );
    }
  } catch (err) {
    await storage?.close();
    await scratch.drop();
    throw err;
  }
  const opened = storage;
  const db: BenchDatabase = {
    name: scratch.name,
    uri: scratch.uri,
    storage: opened,
    dispose: async () => {
      live.delete(db);
      try {
        await opened.close();
      } finally {
        await scratch.drop();
      }
    },
  };
  live.add(db);
  return db;
}
