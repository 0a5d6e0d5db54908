import type { ScriptClient } from '@switchboard/redis-script';

/**
 * The subset of an ioredis client (`Redis` or `Cluster`) that `RedisRouteStore` uses. On a Cluster
 * every multi-key command is only ever given keys of one hash slot. `isCluster` (ioredis sets it on
 * both) lets the store read many users' keys in one script on a single Redis; a client without it
 * is treated as a Cluster.
 */
export interface RedisRouteClient extends ScriptClient {
  readonly isCluster?: boolean;
  hincrby(key: string, field: string, increment: number): Promise<number>;
  hget(key: string, field: string): Promise<string | null>;
  hgetall(key: string): Promise<Record<string, string>>;
  hset(key: string, field: string, value: string | number): Promise<number>;
  sadd(key: string, ...members: string[]): Promise<number>;
  srem(key: string, ...members: string[]): Promise<number>;
  smembers(key: string): Promise<string[]>;
  scard(key: string): Promise<number>;
  del(...keys: string[]): Promise<number>;
}
