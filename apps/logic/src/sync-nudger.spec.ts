import { Packet, PacketType } from '@switchboard/proto/client';
import { describe, expect, it } from 'vitest';
import { logicCounters } from './logic-metrics.js';
import type { DeliveryStats, UserPacket } from './route-port.js';
import { StubLogicRoutePort } from './stub-route-port.js';
import { SyncNudger } from './sync-nudger.js';

class FakeRoute extends StubLogicRoutePort {
  calls: Array<{ appId: string; packets: UserPacket[] }> = [];
  fail = false;
  unreached: string[] = [];
  override async deliverToUsers(appId: string, packets: UserPacket[]): Promise<DeliveryStats> {
    this.calls.push({ appId, packets });
    if (this.fail) throw new Error('route unreachable');
    return {
      delivered: 1,
      failedGates: this.unreached.length ? 1 : 0,
      unreachedUserIds: this.unreached,
      offlineUserIds: [],
    };
  }
}

describe('SyncNudger', () => {
  it('sends one SYNC_HINT per user and app, deduplicated, and forgets those route reached', async () => {
    const route = new FakeRoute();
    const counters = logicCounters();
    const nudger = new SyncNudger(route, counters, { intervalMs: 60_000, batchSize: 2 });
    nudger.add('a', ['u1', 'u2', 'u1']);
    nudger.add('a', ['u3']);
    nudger.add('b', ['u1']);
    expect(nudger.size).toBe(4);
    route.unreached = ['u3'];
    await nudger.flush();
    nudger.stop();
    expect(route.calls.map((c) => [c.appId, c.packets[0]!.userIds])).toEqual([
      ['a', ['u1', 'u2']],
      ['a', ['u3']],
      ['b', ['u1']],
    ]);
    expect(Packet.decode(route.calls[0]!.packets[0]!.packet)).toMatchObject({
      type: PacketType.PACKET_TYPE_SYNC_HINT,
      requestId: 0,
    });
    // u3's gate was unreachable: still pending for the next round.
    expect(nudger.size).toBe(1);
    expect(counters.get('sync_nudges')).toBe(3);
  });

  it('keeps users while route is down and gives up on them after the maximum age', async () => {
    const route = new FakeRoute();
    const counters = logicCounters();
    let now = 0;
    const nudger = new SyncNudger(route, counters, { intervalMs: 60_000, maxAgeMs: 5_000, now: () => now });
    route.fail = true;
    nudger.add('a', ['u1']);
    await nudger.flush();
    expect(nudger.size).toBe(1);
    now = 5_000;
    await nudger.flush();
    expect(nudger.size).toBe(0);
    expect(counters.get('sync_nudges_expired')).toBe(1);
    expect(counters.get('sync_nudges')).toBe(0);
  });

  it('bounds what waits and counts what it drops', () => {
    const route = new FakeRoute();
    const counters = logicCounters();
    const nudger = new SyncNudger(route, counters, { intervalMs: 60_000, maxPending: 2 });
    nudger.add('a', ['u1', 'u2', 'u3', 'u4']);
    expect(nudger.size).toBe(2);
    expect(counters.get('sync_nudges_dropped')).toBe(2);
    nudger.stop();
  });
});
