import { createHash } from 'node:crypto';
import { type RedisRouteClient } from './redis-client.js';

/** A Lua script with its SHA1, so it is sent in full only once per Redis node. */
export interface LuaScript {
  readonly name: string;
  readonly source: string;
  readonly sha1: string;
}

/** Wraps Lua source as a `LuaScript`. */
export function luaScript(name: string, source: string): LuaScript {
  return { name, source, sha1: createHash('sha1').update(source).digest('hex') };
}

/**
 * Runs a script by SHA1 and falls back to sending its source when the node does not have it cached
 * (first use, a restart, SCRIPT FLUSH, or a Cluster node that never saw it).
 */
export async function runScript(
  client: RedisRouteClient,
  script: LuaScript,
  keys: readonly string[],
  args: readonly (string | number)[],
): Promise<unknown> {
  try {
    return await client.evalsha(script.sha1, keys.length, ...keys, ...args);
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
    return client.eval(script.source, keys.length, ...keys, ...args);
  }
}
