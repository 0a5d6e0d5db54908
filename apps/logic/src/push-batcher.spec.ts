import { createLogger } from '@switchboard/log';
import { describe, expect, it } from 'vitest';
import { logicCounters } from './logic-metrics.js';
import { PushBatcher } from './push-batcher.js';
import type { DeliveryStats, RoutePort, UserPacket } from './route-port.js';
import { SyncNudger } from './sync-nudger.js';

/** A route whose DeliverToUsers calls wait until the test lets them go. */
class HeldRoute implements RoutePort {
  calls: Array<{ appId: string; users: string[]; release: () => void }> = [];
  async bind() {
    return { epoch: 1 };
  }
  deliverToUsers(appId: string, packets: UserPacket[]): Promise<DeliveryStats> {
    return new Promise((resolve) => {
      this.calls.push({
        appId,
        users: packets.flatMap((p) => p.userIds),
        release: () => resolve({ delivered: packets.length, failedGates: 0, unreachedUserIds: [] }),
      });
    });
  }
  close() {}
}

const silent = createLogger({ level: 'silent', service: 't' });
const packet = (user: string): UserPacket => ({ userIds: [user], packet: Buffer.from(user) });
const tick = () => new Promise((r) => setImmediate(r));

describe('PushBatcher bounds', () => {
  it('keeps at most maxCallsInFlight calls out; pushes made meanwhile go together in the next', async () => {
    const route = new HeldRoute();
    const counters = logicCounters();
    const pushes = new PushBatcher(route, new SyncNudger(route, counters), counters, silent, {
      maxCallsInFlight: 1,
    });
    const first = pushes.push('a', [packet('u1')]);
    await tick();
    const later = [pushes.push('a', [packet('u2')]), pushes.push('a', [packet('u3')])];
    await tick();
    await tick();
    expect(route.calls.map((c) => c.users)).toEqual([['u1']]);
    route.calls[0]!.release();
    await first;
    await tick();
    expect(route.calls.map((c) => c.users)).toEqual([['u1'], ['u2', 'u3']]);
    route.calls[1]!.release();
    await Promise.all(later);
  });

  it('tells receivers to sync instead of queueing past maxPendingPackets', async () => {
    const route = new HeldRoute();
    const counters = logicCounters();
    const nudger = new SyncNudger(route, counters, { intervalMs: 60_000 });
    const pushes = new PushBatcher(route, nudger, counters, silent, {
      maxCallsInFlight: 1,
      maxPendingPackets: 2,
    });
    void pushes.push('a', [packet('u1')]);
    await tick();
    void pushes.push('a', [packet('u2'), packet('u3')]); // waits: the one slot is taken
    await pushes.push('a', [packet('u4')]); // would make 3 waiting: handed to the nudger at once
    expect(counters.get('push_overflow')).toBe(1);
    expect(nudger.size).toBe(1);
    nudger.stop();
    for (const c of route.calls) c.release();
  });
});
