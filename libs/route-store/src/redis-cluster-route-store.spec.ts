import { randomUUID } from 'node:crypto';
import { Cluster } from 'ioredis';
import { RedisCluster } from '@switchboard/testing';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { RedisRouteStore } from './redis-route-store.js';
import { routeStoreContract } from './route-store.contract.js';

// A real 3-master Redis Cluster of its own: any script or multi-key command given keys of two slots is
// rejected with CROSSSLOT here, which a single Redis would accept. Every test writes under its own prefix.
//
// The cluster starts on first use inside a test rather than in beforeAll: a failing beforeAll only marks
// the tests skipped, while this way a machine without redis-server reports every test here as failed.
// The first test also waits for the cluster (up to three start attempts on a loaded machine).
vi.setConfig({ testTimeout: 180_000 });

let started: Promise<{ redisCluster: RedisCluster; client: Cluster }> | undefined;
let client: Cluster;

async function connect(): Promise<Cluster> {
  started ??= RedisCluster.start().then((redisCluster) => ({
    redisCluster,
    client: new Cluster(redisCluster.nodes, { redisOptions: { maxRetriesPerRequest: 1 } }),
  }));
  client = (await started).client;
  return client;
}

afterAll(async () => {
  const running = await started?.catch(() => undefined);
  await running?.client.quit();
  await running?.redisCluster.stop();
});

/** SCAN is per node, so a prefix's keys are collected from every master. */
async function keysOf(pattern: string): Promise<Map<number, string[]>> {
  const perNode = new Map<number, string[]>();
  for (const node of client.nodes('master')) {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      found.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    if (found.length > 0) perNode.set(node.options.port ?? 0, found);
  }
  return perNode;
}

async function deleteKeys(pattern: string): Promise<void> {
  // One DEL per key: a DEL of keys from several slots is itself a CROSSSLOT error.
  const keys = [...(await keysOf(pattern)).values()].flat();
  await Promise.all(keys.map((key) => client.del(key)));
}

async function newStore(clock: () => number): Promise<RedisRouteStore> {
  return new RedisRouteStore({ client: await connect(), prefix: `sbtest:${randomUUID()}`, clock });
}

routeStoreContract('redis cluster', async (clock) => {
  const store = await newStore(clock);
  return { store, close: () => deleteKeys(store.keys.pattern()) };
});

describe('RedisRouteStore on Redis Cluster', () => {
  it('runs on a cluster that really rejects cross-slot scripts', async () => {
    // Guards the suite above against passing vacuously (e.g. a client that silently ran on one node).
    await connect();
    const script = "return redis.call('MGET', KEYS[1], KEYS[2])";
    await expect(client.eval(script, 2, '{a}:x', '{b}:x')).rejects.toThrow(/CROSSSLOT/);
    expect(await client.eval(script, 2, '{a}:x', '{a}:y')).toEqual([null, null]);
  });

  it('spreads one store over several masters and still answers every read', async () => {
    let now = 1_700_000_000_000;
    const store = await newStore(() => now);
    try {
      for (const gateId of ['g1', 'g2', 'g3']) {
        await store.renewGate({ gateId, bootId: 'b1', grpcAddress: `${gateId}:1` }, 1_000);
      }
      const users = Array.from({ length: 30 }, (_, i) => `u${i}`);
      for (const [i, userId] of users.entries()) {
        await store.bind({
          appId: 'app',
          userId,
          deviceId: 'd',
          gateId: `g${(i % 3) + 1}`,
          gateBootId: 'b1',
          connId: `c${i}`,
          platform: 'web',
          boundAt: now,
        });
        await store.joinRoom('app', `room${i % 5}`, `g${(i % 3) + 1}`);
      }
      expect((await keysOf(store.keys.pattern())).size).toBe(client.nodes('master').length);
      expect(await store.onlineCount('app')).toBe(30);
      expect(await store.devicesOf('app', users)).toHaveLength(30);
      expect(await store.gatesOfRoom('app', 'room0')).toEqual(['g1', 'g2', 'g3']);
      now += 1_000;
      expect(await store.expireGates()).toEqual(['g1', 'g2', 'g3']);
      const left = [...(await keysOf(store.keys.pattern())).values()].flat();
      // What stays: the incarnation counter and per-device epoch counters, which must never go back.
      expect(left.filter((k) => !k.endsWith(':epochs'))).toEqual([store.keys.gateIncarnations()]);
    } finally {
      await deleteKeys(store.keys.pattern());
    }
  });
});
