import { PacketType, SubscribeRoomRequest } from '@switchboard/proto/client';
import { describe, expect, it } from 'vitest';
import type { Connection } from './connection.js';
import { Fanout } from './fanout.js';
import {
  FakeTransport,
  harness,
  packetBytes,
  settle,
  signedInConnection,
  targetOf,
  type Harness,
} from './test-fakes.js';

async function signIn(h: Harness, device: string, tags: string[] = [], user = 'u1') {
  return (await signedInConnection(h, device, user, tags)).conn;
}

const to = targetOf;

const tagsOf = (conn: Connection) => [...(conn.tags ?? [])].sort();

/** Which of `conns` match an expression, by device id. */
function matching(
  h: Harness,
  conns: Connection[],
  q: { allOf?: string[]; anyOf?: string[]; noneOf?: string[] },
) {
  const hit = new Set<Connection>();
  h.core.tags.forEachMatch('app1', { allOf: [], anyOf: [], noneOf: [], ...q }, (c) => hit.add(c));
  return conns.filter((c) => hit.has(c)).map((c) => c.deviceId);
}

describe('server-granted tags (SetTags)', () => {
  it('replaces only the server-granted part and keeps the tag index in step', async () => {
    const h = harness();
    const fanout = new Fanout(h.core);
    const a = await signIn(h, 'a', ['v2']);
    const b = await signIn(h, 'b');
    expect(h.core.tags.serverTags(a)).toBeUndefined();

    expect(fanout.setTags('app1', h.core.bootId, [to(a), to(b, 7)], ['vip', 'v2'])).toEqual({
      updated: 2,
      missing: 0,
    });
    expect(tagsOf(a)).toEqual(['v2', 'vip']);
    expect(tagsOf(b)).toEqual(['v2', 'vip']);
    // v2 came with a's sign-in: it is not server-granted on a, so a later SetTags keeps it there.
    expect([...(h.core.tags.serverTags(a) ?? [])]).toEqual(['vip']);
    expect(matching(h, [a, b], { anyOf: ['vip'] })).toEqual(['a', 'b']);
    expect(h.core.tags.count('app1', 'v2')).toBe(2);

    expect(fanout.setTags('app1', h.core.bootId, [to(a), to(b)], ['gold'])).toEqual({
      updated: 2,
      missing: 0,
    });
    expect(tagsOf(a)).toEqual(['gold', 'v2']);
    expect(tagsOf(b)).toEqual(['gold']);
    expect(matching(h, [a, b], { anyOf: ['vip'] })).toEqual([]);
    expect(matching(h, [a, b], { allOf: ['gold'], noneOf: ['v2'] })).toEqual(['b']);

    fanout.setTags('app1', h.core.bootId, [to(a), to(b)], []);
    expect(tagsOf(a)).toEqual(['v2']);
    expect(b.tags).toBeUndefined();
    // Nothing is kept for a connection without server-granted tags.
    expect(h.core.tags.serverTags(a)).toBeUndefined();
    expect(h.core.tags.serverTags(b)).toBeUndefined();
    expect(h.core.tags.count('app1', 'gold')).toBe(0);
    expect(h.core.counters.setTagsCalls).toBe(3);
  });

  it('checks targets like Deliver: epoch, app, user, device and boot id', async () => {
    const h = harness();
    const fanout = new Fanout(h.core);
    const a = await signIn(h, 'a');
    const set = (target: ReturnType<typeof to>, appId = 'app1', bootId = h.core.bootId) =>
      fanout.setTags(appId, bootId, [target], ['vip']);
    expect(set(to(a, 6))).toEqual({ updated: 0, missing: 1 });
    expect(set({ ...to(a), userId: 'alice' })).toEqual({ updated: 0, missing: 1 });
    expect(set({ ...to(a), deviceId: 'b' })).toEqual({ updated: 0, missing: 1 });
    expect(set(to(a), 'app2')).toEqual({ updated: 0, missing: 1 });
    expect(set(to(a), 'app1', 'another-boot')).toEqual({ updated: 0, missing: 1 });
    expect(set({ ...to(a), connId: 999 })).toEqual({ updated: 0, missing: 1 });
    expect(a.tags).toBeUndefined();
    expect(h.core.counters.misaddressed).toBe(3);
    expect(h.core.counters.staleBootCalls).toBe(1);
    expect(set(to(a, 7))).toEqual({ updated: 1, missing: 0 });
    expect(tagsOf(a)).toEqual(['vip']);
  });

  it('takes the server-granted part from sign-in and forgets it when the connection closes', async () => {
    const h = harness();
    const fanout = new Fanout(h.core);
    h.logic.grantedTags = ['v2', 'vip'];
    h.logic.serverTags = ['vip'];
    const a = await signIn(h, 'a');
    expect([...(h.core.tags.serverTags(a) ?? [])]).toEqual(['vip']);
    fanout.setTags('app1', h.core.bootId, [to(a)], []);
    expect(tagsOf(a)).toEqual(['v2']);
    fanout.setTags('app1', h.core.bootId, [to(a)], ['gold']);
    h.core.transportClosed(a);
    expect(h.core.tags.serverTags(a)).toBeUndefined();
    expect(h.core.tags.count('app1', 'gold')).toBe(0);
    expect(h.core.tags.count('app1', 'v2')).toBe(0);
  });
});

describe('Count', () => {
  it('counts an app’s signed-in connections, a room’s subscribers and a tag’s connections', async () => {
    const h = harness();
    const fanout = new Fanout(h.core);
    const a = await signIn(h, 'a', ['v2']);
    await signIn(h, 'b', ['v2', 'beta']);
    await signIn(h, 'c');
    h.core.open(new FakeTransport()); // not signed in: not counted
    h.core.receive(
      a,
      packetBytes(
        PacketType.PACKET_TYPE_SUBSCRIBE_ROOM,
        5,
        SubscribeRoomRequest.encode({ roomId: 'r1' }).finish(),
      ),
    );
    await settle();
    expect(fanout.count('app1', 'r1', 'v2')).toEqual({ signedIn: 3, roomSubscribers: 1, tagConnections: 2 });
    expect(fanout.count('app1', '', '')).toEqual({ signedIn: 3, roomSubscribers: 0, tagConnections: 0 });
    expect(fanout.count('app2', 'r1', 'v2')).toEqual({ signedIn: 0, roomSubscribers: 0, tagConnections: 0 });
    expect(h.core.counters.countCalls).toBe(3);
  });
});
