import { createLogger } from '@switchboard/log';
import { describe, expect, it } from 'vitest';
import { logicCounters } from './logic-metrics.js';
import { PushBatcher, slotOf, splitByBytes } from './push-batcher.js';
import type { DeliveryStats, LogicRoutePort, UserPacket } from './route-port.js';
import { StubLogicRoutePort } from './stub-route-port.js';
import { SyncNudger } from './sync-nudger.js';

/**
 * A route whose DeliverToUsers calls wait until the test lets them go, and which delivers a call's
 * packets (records what each user got, in `received`) when it is let go.
 */
class HeldRoute extends StubLogicRoutePort {
  calls: Array<{ appId: string; users: string[]; release: () => void }> = [];
  received = new Map<string, string[]>();
  override deliverToUsers(appId: string, packets: UserPacket[]): Promise<DeliveryStats> {
    return new Promise((resolve) => {
      this.calls.push({
        appId,
        users: packets.flatMap((p) => p.userIds),
        release: () => {
          for (const p of packets)
            for (const u of p.userIds)
              this.received.set(u, [...(this.received.get(u) ?? []), String(p.packet)]);
          resolve({ delivered: packets.length, failedGates: 0, unreachedUserIds: [], offlineUserIds: [] });
        },
      });
    });
  }
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

/** Users whose slots among `slots` are all different. */
function usersOnDistinctSlots(count: number, slots: number): string[] {
  const bySlot = new Map<number, string>();
  for (let i = 0; bySlot.size < count; i++) {
    const slot = slotOf(`user${i}`, slots);
    if (!bySlot.has(slot)) bySlot.set(slot, `user${i}`);
  }
  return [...bySlot.values()];
}

describe('PushBatcher per-user order', () => {
  it("delivers a user's pushes in the order they were made, even when later calls finish first", async () => {
    const route = new HeldRoute();
    const counters = logicCounters();
    const pushes = new PushBatcher(route, new SyncNudger(route, counters), counters, silent, {
      maxCallsInFlight: 4,
    });
    const [u, v] = usersOnDistinctSlots(2, 4);
    const msg = (user: string, text: string): UserPacket => ({ userIds: [user], packet: Buffer.from(text) });
    const done = [
      pushes.push('a', [msg(u!, 'u1'), msg(v!, 'v1')]),
      (await tick(), pushes.push('a', [msg(u!, 'u2')])),
      (await tick(), pushes.push('a', [msg(u!, 'u3'), msg(v!, 'v2')])),
    ];
    // Whatever is out, the newest call finishes first (route and gates answer in any order).
    let settled = false;
    void Promise.all(done).then(() => (settled = true));
    let released = 0;
    while (!settled) {
      await tick();
      const open = route.calls.slice(released);
      for (const c of open.reverse()) c.release();
      released = route.calls.length;
    }
    expect(route.received.get(u!)).toEqual(['u1', 'u2', 'u3']);
    expect(route.received.get(v!)).toEqual(['v1', 'v2']);
  });

  it("sends what every free slot has waiting in one call: a group's pushes are one call, not one per slot", async () => {
    const route = new HeldRoute();
    const counters = logicCounters();
    const pushes = new PushBatcher(route, new SyncNudger(route, counters), counters, silent, {
      maxCallsInFlight: 4,
    });
    const users = usersOnDistinctSlots(4, 4);
    const fanOut = pushes.push(
      'a',
      users.map((u) => packet(u)),
    );
    const both = pushes.push('a', [{ userIds: users, packet: Buffer.from('to all') }]);
    await tick();
    expect(route.calls).toHaveLength(1);
    expect([...route.calls[0]!.users].sort()).toEqual([...users, ...users].sort());
    route.calls[0]!.release();
    await Promise.all([fanOut, both]);
  });

  it('gives each slot its own call once a call is large, so several are out at once under load', async () => {
    const route = new HeldRoute();
    const counters = logicCounters();
    const pushes = new PushBatcher(route, new SyncNudger(route, counters), counters, silent, {
      maxCallsInFlight: 4,
      combineBelowPackets: 3,
    });
    const users = usersOnDistinctSlots(4, 4);
    // Two packets per slot: a call takes a second slot's (2 < 3), then it is large (4 >= 3).
    const done = pushes.push(
      'a',
      users.flatMap((u) => [packet(u), packet(u)]),
    );
    await tick();
    expect(route.calls.map((c) => c.users.length)).toEqual([4, 4]);
    for (const c of route.calls) c.release();
    await done;
  });

  it('keeps calls for users of different slots out at once when their slots free up apart', async () => {
    const route = new HeldRoute();
    const counters = logicCounters();
    const pushes = new PushBatcher(route, new SyncNudger(route, counters), counters, silent, {
      maxCallsInFlight: 4,
    });
    const [u, v, w] = usersOnDistinctSlots(3, 4);
    const first = pushes.push('a', [packet(u!)]);
    await tick();
    // u's slot is held: v's and w's pushes go out at once, together, without waiting for it.
    const second = pushes.push('a', [packet(v!), packet(w!), packet(u!)]);
    await tick();
    expect(route.calls.map((c) => [...c.users].sort())).toEqual([[u], [v, w].sort()]);
    route.calls[1]!.release();
    route.calls[0]!.release();
    await first;
    await tick();
    expect(route.calls).toHaveLength(3);
    expect(route.calls[2]!.users).toEqual([u]);
    route.calls[2]!.release();
    await second;
  });

  it('starts one call per app with pushes waiting', async () => {
    const route = new HeldRoute();
    const counters = logicCounters();
    const pushes = new PushBatcher(route, new SyncNudger(route, counters), counters, silent, {
      maxCallsInFlight: 4,
    });
    const [u, v] = usersOnDistinctSlots(2, 4);
    const done = [pushes.push('a', [packet(u!)]), pushes.push('b', [packet(v!)])];
    await tick();
    expect(route.calls.map((c) => [c.appId, c.users]).sort()).toEqual([
      ['a', [u]],
      ['b', [v]],
    ]);
    for (const c of route.calls) c.release();
    await Promise.all(done);
  });
});

class RecordingRoute extends StubLogicRoutePort {
  calls: UserPacket[][] = [];
  override async deliverToUsers(_appId: string, packets: UserPacket[]): Promise<DeliveryStats> {
    this.calls.push(packets);
    return { delivered: packets.length, failedGates: 0, unreachedUserIds: [], offlineUserIds: [] };
  }
}

const sized = (bytes: number, user = 'u'): UserPacket => ({ userIds: [user], packet: Buffer.alloc(bytes) });

function recordingBatcher(maxCallBytes: number) {
  const route = new RecordingRoute();
  const counters = logicCounters();
  // One slot: these tests look at how one slot's calls are cut, whoever the users are.
  const batcher = new PushBatcher(route, new SyncNudger(route, counters), counters, silent, {
    maxCallBytes,
    maxCallsInFlight: 1,
  });
  return { route, batcher };
}

describe('PushBatcher call sizes', () => {
  it("gathers a tick's pushes into one call while they fit", async () => {
    const { route, batcher } = recordingBatcher(10_000);
    await Promise.all([batcher.push('a', [sized(100)]), batcher.push('a', [sized(100), sized(100)])]);
    expect(route.calls.map((c) => c.length)).toEqual([3]);
  });

  it('splits a tick larger than maxCallBytes into several calls, in order, and resolves every push', async () => {
    const { route, batcher } = recordingBatcher(10_000);
    const pushes = Array.from({ length: 10 }, (_, i) => batcher.push('a', [sized(3_000, `u${i}`)]));
    await Promise.all(pushes);
    expect(route.calls.length).toBeGreaterThan(1);
    expect(route.calls.flat().map((p) => p.userIds[0])).toEqual(
      Array.from({ length: 10 }, (_, i) => `u${i}`),
    );
    for (const call of route.calls) {
      expect(call.reduce((n, p) => n + p.packet.length, 0)).toBeLessThanOrEqual(10_000);
    }
  });
});

describe('splitByBytes', () => {
  it('puts a packet larger than the bound alone', () => {
    expect(splitByBytes([sized(50), sized(500), sized(50)], 200).map((p) => p.length)).toEqual([1, 1, 1]);
    expect(splitByBytes([], 200)).toEqual([]);
  });
});

describe('PushBatcher backlog', () => {
  it('counts packets waiting for a slot and in calls that are out, until their call is over', async () => {
    const route = new HeldRoute();
    const counters = logicCounters();
    const pushes = new PushBatcher(route, new SyncNudger(route, counters), counters, silent, {
      maxCallsInFlight: 1,
    });
    const first = pushes.push('a', [packet('u1'), packet('u2')]);
    expect(pushes.backlog).toBe(2);
    await tick();
    const second = pushes.push('a', [packet('u3')]); // waits: the one slot is taken
    expect(pushes.backlog).toBe(3);
    route.calls[0]!.release();
    await first;
    expect(pushes.backlog).toBe(1);
    await tick();
    route.calls[1]!.release();
    await second;
    expect(pushes.backlog).toBe(0);
  });

  it('reports how long the oldest undelivered packet has waited, in a slot or for one', async () => {
    const route = new HeldRoute();
    const counters = logicCounters();
    let now = 1000;
    const pushes = new PushBatcher(route, new SyncNudger(route, counters), counters, silent, {
      maxCallsInFlight: 1,
      now: () => now,
    });
    expect(pushes.oldestWaitMs()).toBe(0);
    const first = pushes.push('a', [packet('u1')]);
    await tick();
    now = 1200;
    const second = pushes.push('a', [packet('u2')]); // waits for the slot from t=1200
    now = 1500;
    expect(pushes.oldestWaitMs()).toBe(500); // u1, out since t=1000
    route.calls[0]!.release();
    await first;
    expect(pushes.oldestWaitMs()).toBe(300); // u2
    await tick();
    route.calls[1]!.release();
    await second;
    expect(pushes.oldestWaitMs()).toBe(0);
  });

  it('says route is failing after a failed attempt, until one succeeds', async () => {
    // The first call fails; the retry waits until the test lets it succeed.
    let calls = 0;
    let succeed!: () => void;
    const route: LogicRoutePort = Object.assign(new StubLogicRoutePort(), {
      deliverToUsers: (_appId: string, packets: UserPacket[]): Promise<DeliveryStats> => {
        calls++;
        if (calls === 1) return Promise.reject(new Error('route down'));
        return new Promise((resolve) => {
          succeed = () =>
            resolve({ delivered: packets.length, failedGates: 0, unreachedUserIds: [], offlineUserIds: [] });
        });
      },
    });
    const counters = logicCounters();
    const pushes = new PushBatcher(route, new SyncNudger(route, counters), counters, silent, {
      retries: 1,
      retryBaseMs: 1,
    });
    const first = pushes.push('a', [packet('u1')]);
    while (calls < 2) await new Promise((r) => setTimeout(r, 1));
    expect(pushes.routeFailing).toBe(true);
    succeed();
    await first;
    expect(pushes.routeFailing).toBe(false);
  });
});

describe('PushBatcher backlog of message packets', () => {
  it('stays under the default admission bound for a full batch of sends to groups of 20', () => {
    // logic.sendBatchMaxSize (256) group sends committed at once must not by themselves refuse the
    // next send (logic.maxPushBacklog 4,096): their 5,120 member pushes are 256 messages to route.
    const route = new HeldRoute();
    const counters = logicCounters();
    const pushes = new PushBatcher(route, new SyncNudger(route, counters), counters, silent);
    const members = Array.from({ length: 20 }, (_, i) => `member-${i}`);
    const batch = Array.from({ length: 256 }, (_, n) => ({
      userIds: members,
      packet: Buffer.alloc(0),
      message: Buffer.from(`m${n}`),
      seqs: members.map(() => n + 1),
    }));
    void pushes.push('a', batch);
    expect(pushes.backlog).toBe(256 * new Set(members.map((u) => slotOf(u, 4))).size);
    expect(pushes.backlog).toBeLessThan(4096);
  });
});

describe('PushBatcher message packets (one message, a seq per user)', () => {
  /** A route that answers at once, naming `offline` users as having no device. */
  class MessageRoute extends StubLogicRoutePort {
    calls: UserPacket[][] = [];
    offline: string[] = [];
    override async deliverToUsers(_appId: string, packets: UserPacket[]): Promise<DeliveryStats> {
      this.calls.push(packets);
      const offlineUserIds = this.offline.filter((u) => packets.some((p) => p.userIds.includes(u)));
      return { delivered: 0, failedGates: 0, unreachedUserIds: [], offlineUserIds };
    }
  }

  it('splits one over the slots with each user keeping its seq, counts a packet per part and tells offline users apart', async () => {
    const route = new MessageRoute();
    const counters = logicCounters();
    const notices: Array<{ recipientUserId: string }> = [];
    const pushes = new PushBatcher(route, new SyncNudger(route, counters), counters, silent, {
      maxCallsInFlight: 4,
      combineBelowPackets: 1,
      offline: { notify: (_appId, notice) => notices.push(notice) },
    });
    const users = Array.from({ length: 12 }, (_, i) => `user-${i}`);
    route.offline = ['user-3', 'user-0', 'user-7'];
    const message = Buffer.from('m');
    const done = pushes.push('a', [
      {
        userIds: users,
        packet: Buffer.alloc(0),
        message,
        seqs: users.map((_, i) => 100 + i),
        exclude: { userId: 'user-0', deviceId: 'd' },
        offline: {
          messageId: 1,
          senderUserId: 'user-0',
          recipientUserId: '',
          groupId: 'g',
          contentType: 'text',
          content: message,
          sentAt: 1,
        },
      },
    ]);
    const slots = new Set(users.map((u) => slotOf(u, 4))).size;
    // The packets route gets (one per slot part), not the 12 pushes the gates make of them.
    expect(pushes.backlog).toBe(slots);
    await done;
    expect(pushes.backlog).toBe(0);
    const parts = route.calls.flat();
    // One part per slot its users fall in, each user once, with its own seq and the message itself.
    expect(parts.length).toBe(new Set(users.map((u) => slotOf(u, 4))).size);
    const seqOf = new Map(parts.flatMap((p) => p.userIds.map((u, i) => [u, p.seqs![i]] as const)));
    expect([...seqOf.keys()].sort()).toEqual([...users].sort());
    for (const [u, seq] of seqOf) expect(seq).toBe(100 + users.indexOf(u));
    for (const p of parts) {
      expect(p.message).toBe(message);
      expect(new Set(p.userIds.map((u) => slotOf(u, 4))).size).toBe(1);
    }
    // The offline members are told about, each by name; the sender never is.
    expect(notices.map((n) => n.recipientUserId).sort()).toEqual(['user-3', 'user-7']);
  });
});
