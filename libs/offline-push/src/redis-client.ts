/**
 * The subset of an ioredis client (`Redis` or `Cluster`) that `RedisStreamOfflinePushQueue` uses.
 * Stream commands go through `call`, whose reply shapes are parsed in one place.
 */
export interface RedisOfflinePushClient {
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
  evalsha(sha1: string, numkeys: number, ...keysAndArgs: (string | number)[]): Promise<unknown>;
  eval(script: string, numkeys: number, ...keysAndArgs: (string | number)[]): Promise<unknown>;
}
