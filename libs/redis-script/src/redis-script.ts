import { createHash } from 'node:crypto';

/**
 * The two commands of an ioredis client (`Redis` or `Cluster`) a script needs. On a Cluster, a
 * script's keys must all be in one hash slot.
 */
export interface ScriptClient {
  evalsha(sha1: string, numkeys: number, ...keysAndArgs: (string | number)[]): Promise<unknown>;
  eval(script: string, numkeys: number, ...keysAndArgs: (string | number)[]): Promise<unknown>;
}

/** A Lua script with its SHA1, so it is sent in full only once per Redis node. */
export interface LuaScript {
  /** For people reading a trace or a debugger; Redis knows it by its SHA1. */
  readonly name: string;
  readonly source: string;
  readonly sha1: string;
}

/** Wraps Lua source as a `LuaScript` (kept as a string constant, so that the bundles carry it). */
export function luaScript(name: string, source: string): LuaScript {
  return { name, source, sha1: createHash('sha1').update(source).digest('hex') };
}

/**
 * Runs a script by SHA1 and falls back to sending its source when the node does not have it cached
 * (first use, a restart, SCRIPT FLUSH, or a Cluster node that never saw it). Any other error is
 * the caller's.
 */
export async function runScript(
  client: ScriptClient,
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
