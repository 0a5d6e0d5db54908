import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { luaScript, runScript, type ScriptClient } from './redis-script.js';

const ECHO = luaScript('echo', `return {KEYS[1], ARGV[1]}`);

/** A client that records which command ran and fails EVALSHA as told. */
function fakeClient(evalshaError?: Error): ScriptClient & { ran: string[] } {
  const ran: string[] = [];
  return {
    ran,
    async evalsha(sha1, _n, ...rest) {
      ran.push(`evalsha ${sha1 === ECHO.sha1 ? 'echo' : sha1}`);
      if (evalshaError) throw evalshaError;
      return rest;
    },
    async eval(source, _n, ...rest) {
      ran.push(`eval ${source === ECHO.source ? 'echo' : source}`);
      return rest;
    },
  };
}

describe('runScript', () => {
  it('runs a script by its SHA1 when the node has it', async () => {
    const client = fakeClient();
    expect(await runScript(client, ECHO, ['k'], [1])).toEqual(['k', 1]);
    expect(client.ran).toEqual(['evalsha echo']);
  });

  it('sends the source when the node answers NOSCRIPT', async () => {
    const client = fakeClient(new Error('NOSCRIPT No matching script. Please use EVAL.'));
    expect(await runScript(client, ECHO, ['k'], [1])).toEqual(['k', 1]);
    expect(client.ran).toEqual(['evalsha echo', 'eval echo']);
  });

  it('passes any other error on without sending the source', async () => {
    const client = fakeClient(new Error('ERR wrong number of arguments'));
    await expect(runScript(client, ECHO, ['k'], [1])).rejects.toThrow('ERR wrong number');
    expect(client.ran).toEqual(['evalsha echo']);
  });
});

describe('runScript on Redis', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('runs a script Redis lost (restart, SCRIPT FLUSH) by sending it again', async () => {
    // A script of its own, so that flushing here cannot race another spec's cached one.
    const script = luaScript('probe', `return '${randomUUID()}' .. ARGV[1]`);
    await redis.script('FLUSH');
    const first = await runScript(redis, script, [], ['!']);
    expect(first).toMatch(/!$/);
    expect(await redis.script('EXISTS', script.sha1)).toEqual([1]);
    expect(await runScript(redis, script, [], ['!'])).toBe(first);
  });
});
