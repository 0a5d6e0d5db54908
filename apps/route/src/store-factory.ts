import { Redis } from 'ioredis';
import type { Config } from '@switchboard/config';
import { MemoryRouteStore, RedisRouteStore, type RouteStore } from '@switchboard/route-store';

export interface OwnedRouteStore {
  store: RouteStore;
  /** What the store is, for logs and `/readyz`: `memory`, or `redis at <host:port>`. */
  describe: string;
  /** Resolves when the store answers (Redis PING); the readiness check. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Builds the configured route store; the caller closes it on shutdown. */
export function createRouteStore(config: Config): OwnedRouteStore {
  if (config.route.store === 'memory') {
    return { store: new MemoryRouteStore(), describe: 'memory', ping: async () => {}, close: async () => {} };
  }
  const redis = new Redis(config.redis.url, { lazyConnect: false, maxRetriesPerRequest: 2 });
  const url = new URL(config.redis.url);
  return {
    store: new RedisRouteStore({ client: redis, prefix: config.redis.keyPrefix }),
    describe: `redis at ${url.host}`,
    ping: async () => {
      await redis.ping();
    },
    close: async () => {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
