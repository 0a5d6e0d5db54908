import type { ScriptClient } from '@switchboard/redis-script';

/**
 * The subset of an ioredis client (`Redis` or `Cluster`) that `RedisStreamOfflinePushQueue` uses.
 * Stream commands go through `call`, whose reply shapes are parsed in one place.
 */
export interface RedisOfflinePushClient extends ScriptClient {
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
}
