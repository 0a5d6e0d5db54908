import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisRouteClient } from './redis-client.js';
import { RedisRouteStore } from './redis-route-store.js';
import { BIND } from './redis-scripts.js';
import { routeStoreContract } from './route-store.contract.js';

// Real Redis at 127.0.0.1:6379; every test writes under its own random prefix and deletes it after.
let redis: Redis;

beforeAll(() => {
  redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 1 });
});

afterAll(async () => {
  await redis.quit();
});

async function keysOf(pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    found.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return found.sort();
}

async function deleteKeys(pattern: string): Promise<void> {
  const keys = await keysOf(pattern);
  if (keys.length > 0) await redis.del(...keys);
}

function newStore(clock: () => number, prefix = `sbtest:${randomUUID()}`): RedisRouteStore {
  return new RedisRouteStore({ client: redis, prefix, clock });
}

routeStoreContract('redis', async (clock) => {
  const store = newStore(clock);
  return { store, close: () => deleteKeys(store.keys.pattern()) };
});

describe('RedisRouteStore specifics', () => {
  let now = 1_700_000_000_000;
  const clock = () => now;
  const prefix = `sbtest:${randomUUID()}`;
  let store: RedisRouteStore;
  let other: RedisRouteStore;

  beforeAll(() => {
    store = newStore(clock, prefix);
    other = newStore(clock, prefix);
  });

  afterEach(async () => {
    await deleteKeys(store.keys.pattern());
  });

  it('shares state between instances on one prefix, so several route processes can run', async () => {
    await store.renewGate({ gateId: 'g1', bootId: 'b1', grpcAddress: 'a:1' }, 1_000);
    await store.renewGate({ gateId: 'g2', bootId: 'b1', grpcAddress: 'b:1' }, 1_000);
    const first = await store.bind({
      appId: 'app',
      userId: 'u',
      deviceId: 'd',
      gateId: 'g1',
      gateBootId: 'b1',
      connId: 'c1',
      platform: 'web',
      boundAt: now,
    });
    const second = await other.bind({
      appId: 'app',
      userId: 'u',
      deviceId: 'd',
      gateId: 'g2',
      gateBootId: 'b1',
      connId: 'c2',
      platform: 'web',
      boundAt: now,
    });
    expect(second.previous?.epoch).toBe(first.epoch);
    expect(await store.device('app', 'u', 'd')).toMatchObject({ connId: 'c2' });
    now += 1_000;
    const [a, b] = await Promise.all([store.expireGates(), other.expireGates()]);
    expect([...(a ?? []), ...(b ?? [])].sort()).toEqual(['g1', 'g2']);
  });

  it('leaves no binding index, room or dead-gate keys behind once gates are gone', async () => {
    for (const gateId of ['g1', 'g2'])
      await store.renewGate({ gateId, bootId: 'b1', grpcAddress: `${gateId}:1` }, 1_000);
    for (let i = 0; i < 20; i++) {
      await store.bind({
        appId: 'app',
        userId: `u${i % 5}`,
        deviceId: `d${i}`,
        gateId: i % 2 === 0 ? 'g1' : 'g2',
        gateBootId: 'b1',
        connId: `c${i}`,
        platform: 'ios',
        boundAt: now,
      });
    }
    await store.joinRoom('app', 'r1', 'g1');
    await store.joinRoom('app', 'r1', 'g2');
    await store.removeGate('g1');
    now += 1_000;
    expect(await store.expireGates()).toEqual(['g2']);
    const left = await keysOf(store.keys.pattern());
    // What stays: the incarnation counter and per-device epoch counters, which must never go back.
    expect(left.filter((k) => !k.endsWith(':epochs'))).toEqual([store.keys.gateIncarnations()]);
    expect(left.every((k) => k.startsWith(`{${prefix}:`))).toBe(true);
  });

  it('lets a bind that got the higher epoch win over one that landed later, and tells the loser', async () => {
    // Hold the BIND script of the bind whose connection is "slow" until a later bind has finished.
    // The slow one binds in Cluster-safe steps (epoch, index, store); the fast one in one script.
    let reached!: () => void;
    let release!: () => void;
    const atBind = new Promise<void>((resolve) => (reached = resolve));
    const held = new Promise<void>((resolve) => (release = resolve));
    const slowClient = new Proxy(redis, {
      get(target, prop) {
        if (prop === 'isCluster') return undefined;
        if (prop === 'evalsha') {
          return async (sha1: string, numkeys: number, ...rest: (string | number)[]) => {
            if (sha1 === BIND.sha1 && String(rest[2]).includes('"c":"slow"')) {
              reached();
              await held;
            }
            return target.evalsha(sha1, numkeys, ...rest);
          };
        }
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as RedisRouteClient;
    const slow = new RedisRouteStore({ client: slowClient, prefix, clock });
    await store.renewGate({ gateId: 'g1', bootId: 'b1', grpcAddress: 'a:1' }, 1_000);
    await store.renewGate({ gateId: 'g2', bootId: 'b1', grpcAddress: 'b:1' }, 1_000);
    const device = { appId: 'app', userId: 'u', deviceId: 'd', platform: 'web', boundAt: now };
    const slowBind = slow.bind({ ...device, gateId: 'g1', gateBootId: 'b1', connId: 'slow' });
    await atBind;
    const fast = await store.bind({ ...device, gateId: 'g2', gateBootId: 'b1', connId: 'fast' });
    release();
    const lost = await slowBind;
    expect(fast.epoch).toBeGreaterThan(lost.epoch);
    expect(fast.previous).toBeUndefined();
    expect(lost.supersededBy).toMatchObject({ connId: 'fast', epoch: fast.epoch });
    expect(await store.device('app', 'u', 'd')).toMatchObject({ connId: 'fast' });
    expect(await store.onlineCount('app')).toBe(1);
  });

  /** `redis` counting the commands it is asked for, with `isCluster` replaced. */
  const counting = (isCluster: boolean | undefined) => {
    const counted = { commands: 0 };
    const client = new Proxy(redis, {
      get(target, prop) {
        if (prop === 'isCluster') return isCluster;
        const value: unknown = Reflect.get(target, prop, target);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          counted.commands++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    }) as RedisRouteClient;
    return { counted, store: new RedisRouteStore({ client, prefix, clock }) };
  };

  /** A bind of user `userId`'s device `d` on gate g1 (boot b1). */
  const bindOf = (userId: string, connId: string) => ({
    appId: 'app',
    userId,
    deviceId: 'd',
    gateId: 'g1',
    gateBootId: 'b1',
    connId,
    platform: 'web',
    boundAt: now,
  });

  it('binds in one script on a single Redis: one gate read and one script for binds made together', async () => {
    await store.renewGate({ gateId: 'g1', bootId: 'b1', grpcAddress: 'a:1' }, 1_000);
    // Loads the scripts, so no NOSCRIPT retry is counted below.
    await store.bind(bindOf('warm', 'c0'));
    const single = counting(false);
    const first = await Promise.all(['u1', 'u2', 'u3'].map((u) => single.store.bind(bindOf(u, `c-${u}`))));
    expect(single.counted.commands).toBe(1 + 1);
    expect(first.map((r) => r.previous)).toEqual([undefined, undefined, undefined]);
    // Binding a device again replaces its binding and drops the old one's index entry.
    const again = await single.store.bind(bindOf('u1', 'c-u1-again'));
    expect(again.epoch).toBeGreaterThan(first[0]!.epoch);
    expect(again.previous).toMatchObject({ connId: 'c-u1', epoch: first[0]!.epoch });
    expect(await store.device('app', 'u1', 'd')).toMatchObject({ connId: 'c-u1-again', epoch: again.epoch });
    expect(await store.onlineCount('app')).toBe(4);
    // The steps of a Cluster store are readable by the one-script store and the other way round.
    const cluster = counting(undefined);
    const stepwise = await cluster.store.bind(bindOf('u2', 'c-u2-steps'));
    expect(stepwise.previous).toMatchObject({ connId: 'c-u2', epoch: first[1]!.epoch });
    expect(await single.store.bind(bindOf('u2', 'c-u2-last'))).toMatchObject({
      epoch: stepwise.epoch + 1,
      previous: { connId: 'c-u2-steps', epoch: stepwise.epoch },
    });
    expect(await store.onlineCount('app')).toBe(4);
    // One device twice in one script: the second replaces the first, as if one after the other.
    const [early, late] = await Promise.all([
      single.store.bind(bindOf('u5', 'c-early')),
      single.store.bind(bindOf('u5', 'c-late')),
    ]);
    expect(late).toMatchObject({ epoch: early!.epoch + 1, previous: { connId: 'c-early' } });
    expect(await store.device('app', 'u5', 'd')).toMatchObject({ connId: 'c-late', epoch: late!.epoch });
    expect(await store.onlineCount('app')).toBe(5);
    await expect(single.store.bind({ ...bindOf('u9', 'c9'), gateBootId: 'b2' })).rejects.toMatchObject({
      code: 'GATE_NOT_LIVE',
    });
  });

  it('reads the users of a lookup in one command on a single Redis, one per user on a client that may be a Cluster', async () => {
    await store.renewGate({ gateId: 'g1', bootId: 'b1', grpcAddress: 'a:1' }, 1_000);
    const users = ['u1', 'u2', 'u3', 'u4'];
    for (const userId of users) await store.bind(bindOf(userId, `c-${userId}`));
    await store.devicesOf('app', users); // loads the script, so no NOSCRIPT retry is counted below
    const single = counting(false);
    const unknown = counting(undefined);
    const fromSingle = await single.store.devicesOf('app', users);
    const fromUnknown = await unknown.store.devicesOf('app', users);
    expect(single.counted.commands).toBe(1);
    expect(unknown.counted.commands).toBe(users.length + 1);
    const ids = (found: { userId: string }[]) => found.map((b) => b.userId).sort();
    expect(ids(fromSingle)).toEqual(users);
    expect(ids(fromUnknown)).toEqual(users);
  });

  it('re-sends a script whose cached copy Redis lost (restart, SCRIPT FLUSH)', async () => {
    await redis.script('FLUSH');
    expect(await store.renewGate({ gateId: 'g1', bootId: 'b1', grpcAddress: 'a:1' }, 1_000)).toMatchObject({
      registered: true,
    });
    expect(await store.liveGates()).toHaveLength(1);
  });
});
