import { randomBytes } from 'node:crypto';
import { createScratchMysqlDatabase, createStorage, type Storage } from '@switchboard/storage';
import { deleteRedisKeys, startCluster, type Cluster, type ClusterOptions } from '@switchboard/testing';

const REDIS_URL = 'redis://127.0.0.1:6379';

/** A local cluster on a database and a Redis key prefix of its own, with storage opened on it. */
export interface ScratchCluster {
  cluster: Cluster;
  /** The cluster's database, for creating apps and keys the way the CLI does. */
  storage: Storage;
  /** Stops the cluster and removes its database and Redis keys. */
  stop(): Promise<void>;
}

/**
 * Starts `startCluster` on a scratch MariaDB database (`sb_<name>_…`) and a unique Redis key prefix,
 * so that runs never collide; `stop()` leaves nothing behind.
 */
export async function startScratchCluster(
  name: string,
  options: Omit<ClusterOptions, 'mysqlUri' | 'prefix'> = {},
): Promise<ScratchCluster> {
  const database = await createScratchMysqlDatabase(undefined, `sb_${name}`);
  const prefix = `sb${name}-${randomBytes(4).toString('hex')}`;
  let cluster: Cluster | undefined;
  let storage: Storage | undefined;
  const stop = async () => {
    await storage?.close();
    await cluster?.stop();
    await database.drop();
    await deleteRedisKeys(REDIS_URL, prefix);
  };
  try {
    cluster = await startCluster({ ...options, mysqlUri: database.uri, prefix });
    storage = await createStorage({ dialect: 'mysql', uri: cluster.mysqlUri, poolSize: 2 });
    return { cluster, storage, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
