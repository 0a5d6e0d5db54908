import { Redis } from 'ioredis';
import type { Config } from '@switchboard/config';
import type { LatencyObserver } from '@switchboard/metrics';
import { MemoryRouteStore, RedisRouteStore, type RouteStore } from '@switchboard/route-store';

export interface OwnedRouteStore {
  store: RouteStore;
  /** What the store is, for logs and `/readyz`: `memory`, or `redis at <host:port>`. */
  describe: string;
  /** Resolves when the store answers (Redis PING); the readiness check. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Builds the configured route store; the caller closes it on shutdown. `observe` times Redis commands. */
export function createRouteStore(config: Config, observe?: LatencyObserver): OwnedRouteStore {
  if (config.route.store === 'memory') {
    return { store: new MemoryRouteStore(), describe: 'memory', ping: async () => {}, close: async () => {} };
  }
  const redis = new Redis(config.redis.url, { lazyConnect: false, maxRetriesPerRequest: 2 });
  if (observe) timeCommands(redis, observe);
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

/** Reports every command's latency and failure, by command name, to `observe`. */
function timeCommands(redis: Redis, observe: LatencyObserver): void {
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = ((command, stream) => {
    const start = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - start) / 1e9;
    command.promise.then(
      () => observe(command.name, seconds(), false),
      () => observe(command.name, seconds(), true),
    );
    return send(command, stream);
  }) as Redis['sendCommand'];
}
