import { Redis } from 'ioredis';
import type { Config } from '@switchboard/config';
import { MemoryRouteStore, RedisRouteStore, type RouteStore } from '@switchboard/route-store';

export interface OwnedRouteStore {
  store: RouteStore;
  close(): Promise<void>;
}

/** Builds the configured route store; the caller closes it on shutdown. */
export function createRouteStore(config: Config): OwnedRouteStore {
  if (config.route.store === 'memory') {
    return { store: new MemoryRouteStore(), close: async () => {} };
  }
  const redis = new Redis(config.redis.url, { lazyConnect: false, maxRetriesPerRequest: 2 });
  return {
    store: new RedisRouteStore({ client: redis, prefix: config.redis.keyPrefix }),
    close: async () => {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
