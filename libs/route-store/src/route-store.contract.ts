import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RouteStoreError } from './route-store-error.js';
import { type BindResult, type NewBinding, type RouteStore } from './route-store.js';

/** A store under test, plus how to release what it created (keys, connections). */
export interface RouteStoreFixture {
  readonly store: RouteStore;
  close?(): Promise<void>;
}

/**
 * Builds a fresh, empty store that reads time from `clock`. The suite drives the clock itself, so no
 * test sleeps or depends on timing.
 */
export type RouteStoreFactory = (clock: () => number) => Promise<RouteStoreFixture>;

const START = 1_700_000_000_000;
const TTL = 10_000;

/**
 * The behaviour every `RouteStore` must have, written once and run against each implementation
 * (centrifuge's `testMapBroker*(t, factory)` pattern). Call it at the top level of a spec file.
 */
export function routeStoreContract(name: string, factory: RouteStoreFactory): void {
  describe(`RouteStore contract: ${name}`, () => {
    let now = START;
    let fixture: RouteStoreFixture;
    let store: RouteStore;

    /** The boot id each gate id last registered with (a gate process's own id). */
    const boots = new Map<string, string>();
    const bootOf = (gateId: string): string => {
      let boot = boots.get(gateId);
      if (boot === undefined) boots.set(gateId, (boot = `boot${boots.size + 1}`));
      return boot;
    };
    /** Registers or renews a gate; a `bootId` other than its last one is a restarted process. */
    const gate = (gateId: string, ttlMs = TTL, bootId = bootOf(gateId)) => {
      boots.set(gateId, bootId);
      return store.renewGate({ gateId, bootId, grpcAddress: `${gateId}.local:7000` }, ttlMs);
    };
    const offer = (over: Partial<NewBinding> = {}): NewBinding => ({
      appId: 'app1',
      userId: 'alice',
      deviceId: 'phone',
      gateId: 'g1',
      gateBootId: bootOf(over.gateId ?? 'g1'),
      connId: 'c1',
      platform: 'ios',
      boundAt: now,
      ...over,
    });
    const bind = (over: Partial<NewBinding> = {}): Promise<BindResult> => store.bind(offer(over));
    const rebind = (over: Partial<NewBinding> = {}): Promise<BindResult> => store.rebind(offer(over));
    const rejection = async (promise: Promise<unknown>): Promise<string | undefined> => {
      try {
        await promise;
        return undefined;
      } catch (err) {
        return err instanceof RouteStoreError ? err.code : `unexpected ${String(err)}`;
      }
    };

    beforeEach(async () => {
      now = START;
      boots.clear();
      fixture = await factory(() => now);
      store = fixture.store;
    });

    afterEach(async () => {
      await fixture.close?.();
    });

    describe('bind and unbind', () => {
      it('stores a binding that device() returns with every field and the assigned epoch', async () => {
        await gate('g1');
        const { epoch, previous } = await bind({ connId: 'c7', platform: 'android' });
        expect(epoch).toBeGreaterThan(0);
        expect(previous).toBeUndefined();
        expect(await store.device('app1', 'alice', 'phone')).toEqual({
          appId: 'app1',
          userId: 'alice',
          deviceId: 'phone',
          gateId: 'g1',
          gateBootId: 'boot1',
          connId: 'c7',
          epoch,
          platform: 'android',
          boundAt: START,
        });
        expect(await store.device('app1', 'alice', 'laptop')).toBeUndefined();
      });

      it('replaces the binding of the same device and hands back the one it replaced', async () => {
        await gate('g1');
        await gate('g2');
        const first = await bind({ gateId: 'g1', connId: 'c1' });
        const second = await bind({ gateId: 'g2', connId: 'c2' });
        expect(second.previous).toMatchObject({ gateId: 'g1', connId: 'c1', epoch: first.epoch });
        expect(await store.device('app1', 'alice', 'phone')).toMatchObject({
          gateId: 'g2',
          connId: 'c2',
          epoch: second.epoch,
        });
        expect(await store.devicesOf('app1', ['alice'])).toHaveLength(1);
      });

      it('gives every bind of a device an epoch above all earlier ones, across unbinds', async () => {
        await gate('g1');
        const epochs: number[] = [];
        for (let i = 0; i < 3; i++) epochs.push((await bind({ connId: `c${i}` })).epoch);
        expect(await store.unbind('app1', 'alice', 'phone', epochs[2] ?? 0)).toBe(true);
        epochs.push((await bind({ connId: 'c9' })).epoch);
        for (let i = 1; i < epochs.length; i++) expect(epochs[i]).toBeGreaterThan(epochs[i - 1] ?? Infinity);
      });

      it('ignores an unbind carrying a stale epoch, so an old close never unbinds the new connection', async () => {
        await gate('g1');
        const old = await bind({ connId: 'old' });
        const current = await bind({ connId: 'new' });
        expect(await store.unbind('app1', 'alice', 'phone', old.epoch)).toBe(false);
        expect(await store.device('app1', 'alice', 'phone')).toMatchObject({ connId: 'new' });
        expect(await store.unbind('app1', 'alice', 'phone', current.epoch)).toBe(true);
        expect(await store.device('app1', 'alice', 'phone')).toBeUndefined();
        expect(await store.unbind('app1', 'alice', 'phone', current.epoch)).toBe(false);
        expect(await store.unbind('app1', 'nobody', 'phone', current.epoch)).toBe(false);
      });

      it('refuses to bind on a gate without a live lease', async () => {
        expect(await rejection(bind({ gateId: 'unknown' }))).toBe('GATE_NOT_LIVE');
        await gate('g1', 1_000);
        now += 1_000;
        expect(await rejection(bind({ gateId: 'g1' }))).toBe('GATE_NOT_LIVE');
        expect(await store.devicesOf('app1', ['alice'])).toEqual([]);
      });

      it('rejects malformed arguments with INVALID_ARGUMENT', async () => {
        await gate('g1');
        expect(await rejection(bind({ userId: '' }))).toBe('INVALID_ARGUMENT');
        expect(await rejection(gate('g2', 0))).toBe('INVALID_ARGUMENT');
        expect(await rejection(gate('g2', 1.5))).toBe('INVALID_ARGUMENT');
        expect(await rejection(gate('g2', TTL, 'a|b'))).toBe('INVALID_ARGUMENT');
        expect(await rejection(gate('g2', TTL, ''))).toBe('INVALID_ARGUMENT');
        expect(await rejection(bind({ gateBootId: '' }))).toBe('INVALID_ARGUMENT');
        expect(await store.unbind('app1', 'alice', 'phone', -1)).toBe(false);
      });

      it('keeps ids with separators, braces and glob characters apart', async () => {
        await gate('g:{1}*');
        await bind({ gateId: 'g:{1}*', userId: 'a:b', deviceId: '{x}' });
        await bind({ gateId: 'g:{1}*', userId: 'a', deviceId: 'b:{x}' });
        expect(await store.device('app1', 'a:b', '{x}')).toMatchObject({ gateId: 'g:{1}*' });
        expect(await store.device('app1', 'a', 'b:{x}')).toMatchObject({ userId: 'a', deviceId: 'b:{x}' });
        expect(await store.devicesOf('app1', ['a'])).toHaveLength(1);
        expect(await store.onlineCount('app1')).toBe(2);
        expect(await store.expireGates(now + TTL)).toEqual(['g:{1}*']);
        expect(await store.devicesOf('app1', ['a', 'a:b'])).toEqual([]);
      });
    });

    describe('concurrency', () => {
      it('leaves exactly one binding, the highest epoch, after concurrent binds of one device from two gates', async () => {
        await gate('g1');
        await gate('g2');
        const results = await Promise.all(
          Array.from({ length: 12 }, (_, i) => bind({ gateId: i % 2 === 0 ? 'g1' : 'g2', connId: `c${i}` })),
        );
        const epochs = results.map((r) => r.epoch);
        expect(new Set(epochs).size).toBe(results.length);
        const top = Math.max(...epochs);
        const bound = await store.devicesOf('app1', ['alice']);
        expect(bound).toHaveLength(1);
        expect(bound[0]?.epoch).toBe(top);
        expect(await store.onlineCount('app1')).toBe(1);
        // Every losing connection learns it lost: it is superseded itself, or some winner replaced it.
        const replaced = new Set(results.map((r) => r.previous?.epoch));
        for (const r of results) {
          if (r.epoch !== top) expect(r.supersededBy !== undefined || replaced.has(r.epoch)).toBe(true);
        }
      });

      it('reports each expired gate to exactly one of several concurrent expireGates calls', async () => {
        for (const id of ['g1', 'g2', 'g3']) await gate(id, 1_000);
        await gate('g4', 5_000);
        await bind({ gateId: 'g1' });
        now += 1_000;
        const runs = await Promise.all([store.expireGates(), store.expireGates(), store.expireGates()]);
        expect(runs.flat().sort()).toEqual(['g1', 'g2', 'g3']);
        expect((await store.liveGates()).map((g) => g.gateId)).toEqual(['g4']);
        expect(await store.device('app1', 'alice', 'phone')).toBeUndefined();
      });
    });

    describe('lookups', () => {
      it('finds devices across users of one app, ignoring unknown and repeated users', async () => {
        await gate('g1');
        await gate('g2');
        await bind({ userId: 'alice', deviceId: 'phone', gateId: 'g1' });
        await bind({ userId: 'alice', deviceId: 'laptop', gateId: 'g2' });
        await bind({ userId: 'bob', deviceId: 'phone', gateId: 'g2' });
        await bind({ userId: 'carol', deviceId: 'phone', gateId: 'g1' });
        const found = await store.devicesOf('app1', ['alice', 'bob', 'dave', 'alice']);
        expect(found.map((b) => `${b.userId}/${b.deviceId}@${b.gateId}`).sort()).toEqual([
          'alice/laptop@g2',
          'alice/phone@g1',
          'bob/phone@g2',
        ]);
        expect(await store.devicesOf('app1', [])).toEqual([]);
      });

      it('finds every live device of a lookup of many users, those of a lapsed gate left out', async () => {
        await gate('g1');
        await gate('short', 1_000);
        const users = Array.from({ length: 600 }, (_, i) => `user${i}`);
        await Promise.all(
          users.map((userId, i) => bind({ userId, gateId: i % 3 === 0 ? 'short' : 'g1', connId: `c${i}` })),
        );
        now += 1_000;
        const found = await store.devicesOf('app1', [...users, 'nobody']);
        expect(found.map((b) => b.userId).sort()).toEqual(users.filter((_, i) => i % 3 !== 0).sort());
        const online = await store.isOnline('app1', users);
        expect(users.filter((u) => online.get(u))).toEqual(users.filter((_, i) => i % 3 !== 0));
      });
    });

    describe('gate leases', () => {
      it('lists live gates with address and lease end, and extends a live lease without re-registering', async () => {
        expect(await gate('g2')).toEqual({ leaseExpiresAt: START + TTL, registered: true });
        await gate('g1');
        now += 4_000;
        expect(
          await store.renewGate({ gateId: 'g1', bootId: bootOf('g1'), grpcAddress: 'moved:7001' }, TTL),
        ).toEqual({
          leaseExpiresAt: now + TTL,
          registered: false,
        });
        expect(await store.liveGates()).toEqual([
          { gateId: 'g1', bootId: bootOf('g1'), grpcAddress: 'moved:7001', leaseExpiresAt: now + TTL },
          { gateId: 'g2', bootId: bootOf('g2'), grpcAddress: 'g2.local:7000', leaseExpiresAt: START + TTL },
        ]);
        now = START + TTL;
        expect((await store.liveGates()).map((g) => g.gateId)).toEqual(['g1']);
      });

      it('hides everything of a gate whose lease lapsed before any cleanup runs, then expires it', async () => {
        await gate('g1', 1_000);
        await gate('g2', 5_000);
        await bind({ userId: 'alice', gateId: 'g1' });
        await bind({ userId: 'bob', gateId: 'g2' });
        await store.joinRoom('app1', 'lobby', 'g1');
        await store.joinRoom('app1', 'lobby', 'g2');
        now += 1_000;
        expect(await store.device('app1', 'alice', 'phone')).toBeUndefined();
        expect((await store.devicesOf('app1', ['alice', 'bob'])).map((b) => b.userId)).toEqual(['bob']);
        expect(await store.isOnline('app1', ['alice', 'bob'])).toEqual(
          new Map([
            ['alice', false],
            ['bob', true],
          ]),
        );
        expect(await store.onlineCount('app1')).toBe(1);
        expect(await store.gatesOfRoom('app1', 'lobby')).toEqual(['g2']);
        expect(await store.expireGates()).toEqual(['g1']);
        expect(await store.expireGates()).toEqual([]);
        expect(await store.onlineCount('app1')).toBe(1);
      });

      it('expires by the instant passed to expireGates', async () => {
        await gate('g1', 1_000);
        expect(await store.expireGates(START + 999)).toEqual([]);
        expect(await store.expireGates(START + 1_000)).toEqual(['g1']);
        expect(await store.liveGates()).toEqual([]);
      });

      it('brings a lapsed gate back empty, whether or not cleanup ran, and says it must re-bind', async () => {
        await gate('g1', 1_000);
        await gate('g2', 1_000);
        await bind({ userId: 'alice', gateId: 'g1' });
        await bind({ userId: 'bob', gateId: 'g2' });
        await store.joinRoom('app1', 'lobby', 'g1');
        now += 1_000;
        expect(await store.expireGates()).toEqual(['g1', 'g2']);
        expect((await gate('g1')).registered).toBe(true);
        await gate('g2', 1_000);
        now += 1_000;
        // g2 lapsed again and renews before any cleanup.
        expect((await gate('g2')).registered).toBe(true);
        expect(await store.devicesOf('app1', ['alice', 'bob'])).toEqual([]);
        expect(await store.gatesOfRoom('app1', 'lobby')).toEqual([]);
        expect(await store.onlineCount('app1')).toBe(0);
        const rebound = await bind({ userId: 'bob', gateId: 'g2' });
        expect(await store.devicesOf('app1', ['bob'])).toEqual([
          expect.objectContaining({ epoch: rebound.epoch }),
        ]);
        await store.expireGates();
        expect(await store.devicesOf('app1', ['bob'])).toHaveLength(1);
        expect(await store.onlineCount('app1')).toBe(1);
      });

      it('starts a restarted gate process empty even while the old lease is live, and refuses the old boot id', async () => {
        // The privacy bug this guards against: alice was bound on g1's first process as connection c1;
        // the process died and came back under the same gate id within the lease; its connection ids
        // restart, so bob got c1 too, and pushes meant for alice must never match bob's connection.
        await gate('g1', TTL, 'first');
        await bind({ userId: 'alice', connId: 'c1' });
        await store.joinRoom('app1', 'lobby', 'g1');
        now += 1_000;
        expect(await gate('g1', TTL, 'second')).toEqual({ leaseExpiresAt: now + TTL, registered: true });
        expect(await store.device('app1', 'alice', 'phone')).toBeUndefined();
        expect(await store.isOnline('app1', ['alice'])).toEqual(new Map([['alice', false]]));
        expect(await store.gatesOfRoom('app1', 'lobby')).toEqual([]);
        expect(await store.onlineCount('app1')).toBe(0);
        expect(await rejection(bind({ userId: 'carol', gateBootId: 'first' }))).toBe('GATE_NOT_LIVE');
        await bind({ userId: 'bob', connId: 'c1' });
        expect((await store.devicesOf('app1', ['alice', 'bob'])).map((b) => b.userId)).toEqual(['bob']);
        expect(await store.device('app1', 'bob', 'phone')).toMatchObject({
          gateBootId: 'second',
          connId: 'c1',
        });
        // Cleaning up the first process touches nothing of the second.
        await store.expireGates();
        expect((await store.devicesOf('app1', ['alice', 'bob'])).map((b) => b.userId)).toEqual(['bob']);
        expect(await store.onlineCount('app1')).toBe(1);
        // The same boot id renews without re-registering.
        expect((await gate('g1', TTL, 'second')).registered).toBe(false);
        expect(await store.onlineCount('app1')).toBe(1);
      });

      it('removes a gate with its bindings and rooms at once, live lease or not', async () => {
        await gate('g1');
        await gate('g2');
        await bind({ userId: 'alice', gateId: 'g1' });
        await bind({ userId: 'alice', deviceId: 'laptop', gateId: 'g2' });
        await store.joinRoom('app1', 'lobby', 'g1');
        await store.removeGate('g1');
        await store.removeGate('never-seen');
        expect((await store.liveGates()).map((g) => g.gateId)).toEqual(['g2']);
        expect((await store.devicesOf('app1', ['alice'])).map((b) => b.deviceId)).toEqual(['laptop']);
        expect(await store.gatesOfRoom('app1', 'lobby')).toEqual([]);
        expect(await store.onlineCount('app1')).toBe(1);
        expect(await store.expireGates(now + TTL)).toEqual(['g2']);
        expect((await gate('g1')).registered).toBe(true);
        expect(await store.devicesOf('app1', ['alice'])).toEqual([]);
      });
    });

    describe('rebind', () => {
      it('binds a device that has no binding, and replaces the binding of its own connection', async () => {
        await gate('g1');
        const first = await rebind({ connId: 'c1' });
        expect(first.epoch).toBeGreaterThan(0);
        expect(first.supersededBy).toBeUndefined();
        const again = await rebind({ connId: 'c1' });
        expect(again.epoch).toBeGreaterThan(first.epoch);
        expect(again.previous).toMatchObject({ connId: 'c1', epoch: first.epoch });
        expect(await store.devicesOf('app1', ['alice'])).toEqual([
          expect.objectContaining({ connId: 'c1', epoch: again.epoch }),
        ]);
        expect(await store.onlineCount('app1')).toBe(1);
      });

      it('never takes a device from another live connection, but takes it from a dead gate', async () => {
        await gate('g1');
        await gate('g2', 1_000);
        const elsewhere = await bind({ gateId: 'g2', connId: 'c2' });
        const refused = await rebind({ gateId: 'g1', connId: 'c1' });
        expect(refused.supersededBy).toMatchObject({ gateId: 'g2', connId: 'c2', epoch: elsewhere.epoch });
        expect(await store.device('app1', 'alice', 'phone')).toMatchObject({ gateId: 'g2', connId: 'c2' });
        // Another connection of the same gate counts as elsewhere too.
        expect((await rebind({ gateId: 'g2', connId: 'c3' })).supersededBy).toMatchObject({ connId: 'c2' });
        now += 1_000;
        const taken = await rebind({ gateId: 'g1', connId: 'c1' });
        expect(taken.supersededBy).toBeUndefined();
        expect(await store.device('app1', 'alice', 'phone')).toMatchObject({
          gateId: 'g1',
          epoch: taken.epoch,
        });
        expect(taken.epoch).toBeGreaterThan(elsewhere.epoch);
      });

      it('refuses a gate without a live lease or with another boot id', async () => {
        expect(await rejection(rebind({ gateId: 'nope' }))).toBe('GATE_NOT_LIVE');
        await gate('g1', TTL, 'old');
        await gate('g1', TTL, 'new');
        expect(await rejection(rebind({ gateBootId: 'old' }))).toBe('GATE_NOT_LIVE');
        expect(await store.devicesOf('app1', ['alice'])).toEqual([]);
      });
    });

    describe('rooms', () => {
      it('keeps the set of gates per room, idempotently, and only live ones', async () => {
        await gate('g1');
        await gate('g2', 1_000);
        expect(await rejection(store.joinRoom('app1', 'lobby', 'nope'))).toBe('GATE_NOT_LIVE');
        await store.joinRoom('app1', 'lobby', 'g2');
        await store.joinRoom('app1', 'lobby', 'g1');
        await store.joinRoom('app1', 'lobby', 'g1');
        await store.joinRoom('app1', 'kitchen', 'g2');
        expect(await store.gatesOfRoom('app1', 'lobby')).toEqual(['g1', 'g2']);
        await store.leaveRoom('app1', 'lobby', 'g1');
        await store.leaveRoom('app1', 'lobby', 'g1');
        await store.leaveRoom('app1', 'nowhere', 'g1');
        expect(await store.gatesOfRoom('app1', 'lobby')).toEqual(['g2']);
        expect(await store.gatesOfRoom('app1', 'kitchen')).toEqual(['g2']);
        now += 1_000;
        expect(await store.gatesOfRoom('app1', 'kitchen')).toEqual([]);
        expect(await store.gatesOfRoom('app1', 'empty')).toEqual([]);
      });
    });

    describe('counts', () => {
      it('counts bindings on live gates and tells which users are online', async () => {
        await gate('g1');
        await gate('g2');
        const alicePhone = await bind({ userId: 'alice', deviceId: 'phone', gateId: 'g1' });
        await bind({ userId: 'alice', deviceId: 'laptop', gateId: 'g2' });
        await bind({ userId: 'bob', deviceId: 'phone', gateId: 'g1' });
        expect(await store.onlineCount('app1')).toBe(3);
        // Moving a device to another gate does not count it twice.
        await bind({ userId: 'bob', deviceId: 'phone', gateId: 'g2' });
        expect(await store.onlineCount('app1')).toBe(3);
        expect(await store.unbind('app1', 'alice', 'phone', alicePhone.epoch)).toBe(true);
        expect(await store.onlineCount('app1')).toBe(2);
        expect(await store.isOnline('app1', ['alice', 'bob', 'carol'])).toEqual(
          new Map([
            ['alice', true],
            ['bob', true],
            ['carol', false],
          ]),
        );
        await store.removeGate('g2');
        expect(await store.onlineCount('app1')).toBe(0);
        expect(await store.isOnline('app1', ['alice'])).toEqual(new Map([['alice', false]]));
      });
    });

    describe('tenants', () => {
      it('keeps the same user, device and room ids of two apps apart', async () => {
        await gate('g1');
        await gate('g2');
        const inA = await bind({ appId: 'A', gateId: 'g1', connId: 'a' });
        await bind({ appId: 'B', gateId: 'g2', connId: 'b' });
        await store.joinRoom('A', 'lobby', 'g1');
        expect(await store.device('A', 'alice', 'phone')).toMatchObject({ connId: 'a' });
        expect(await store.device('B', 'alice', 'phone')).toMatchObject({ connId: 'b' });
        expect(await store.unbind('A', 'alice', 'phone', inA.epoch)).toBe(true);
        expect(await store.device('B', 'alice', 'phone')).toMatchObject({ connId: 'b' });
        expect(await store.onlineCount('A')).toBe(0);
        expect(await store.onlineCount('B')).toBe(1);
        expect(await store.isOnline('A', ['alice'])).toEqual(new Map([['alice', false]]));
        expect(await store.gatesOfRoom('B', 'lobby')).toEqual([]);
        expect(await store.gatesOfRoom('A', 'lobby')).toEqual(['g1']);
      });
    });
  });
}
