import { ErrorCode, PacketType, SubscribeRoomRequest } from '@switchboard/proto/client';
import { describe, expect, it } from 'vitest';
import { Fanout } from './fanout.js';
import { rebindSessions } from './rebind.js';
import { FakeTransport, harness, packetBytes, settle, signInBytes, type Harness } from './test-fakes.js';

async function signIn(h: Harness, device: string, user = 'u1') {
  const transport = new FakeTransport();
  const conn = h.core.open(transport);
  h.core.receive(conn, signInBytes(1, device, [], user));
  await settle();
  h.scheduler.run();
  transport.writes.length = 0;
  return { transport, conn };
}

describe('rebindSessions (route lost this gate, the gate keeps its clients)', () => {
  it('binds every session and room again, keeps the connections open and tells each to sync', async () => {
    const h = harness();
    const a = await signIn(h, 'phone', 'alice');
    const b = await signIn(h, 'laptop', 'bob');
    const pending = new FakeTransport();
    h.core.open(pending); // not signed in: nothing to bind
    h.core.receive(
      a.conn,
      packetBytes(
        PacketType.PACKET_TYPE_SUBSCRIBE_ROOM,
        2,
        SubscribeRoomRequest.encode({ roomId: 'r1' }).finish(),
      ),
    );
    await settle();
    h.scheduler.run();
    a.transport.writes.length = 0;

    await rebindSessions(h.core);
    expect(h.route.calls['rebindGate']).toEqual([
      {
        gateId: 'gate-test',
        bootId: h.core.bootId,
        sessions: [
          { appId: 'app1', userId: 'alice', deviceId: 'phone', connId: a.conn.id, platform: 'test' },
          { appId: 'app1', userId: 'bob', deviceId: 'laptop', connId: b.conn.id, platform: 'test' },
        ],
        rooms: [{ appId: 'app1', roomId: 'r1' }],
      },
    ]);
    expect([a.conn.epoch, b.conn.epoch]).toEqual([101, 102]);
    h.scheduler.run();
    for (const c of [a, b]) {
      expect(c.conn.closed).toBe(false);
      expect(c.transport.packets()).toMatchObject([{ type: PacketType.PACKET_TYPE_SYNC_HINT, requestId: 0 }]);
    }
    expect(pending.writes).toEqual([]);
    expect(h.core.counters.rebinds).toBe(2);
    expect(h.core.counters.syncHints).toBe(2);
  });

  it('joins the server-assigned rooms again too (from sign-in and from SetRoom)', async () => {
    const h = harness();
    h.logic.rooms = ['sb:group:1'];
    const a = await signIn(h, 'phone', 'alice');
    await new Fanout(h.core).setRoom(
      'app1',
      h.core.bootId,
      [{ connId: a.conn.id, epoch: 0, userId: 'alice', deviceId: 'phone' }],
      'sb:group:2',
      true,
    );
    await rebindSessions(h.core);
    const [call] = h.route.calls['rebindGate'] as Array<{ rooms: unknown[] }>;
    expect(call?.rooms).toEqual([
      { appId: 'app1', roomId: 'sb:group:1' },
      { appId: 'app1', roomId: 'sb:group:2' },
    ]);
  });

  it('closes a connection whose device signed in elsewhere meanwhile with SIGNED_IN_ELSEWHERE', async () => {
    const h = harness();
    const a = await signIn(h, 'phone', 'alice');
    const b = await signIn(h, 'laptop', 'bob');
    h.route.rebindOutcome = (s) =>
      s.userId === 'alice' ? { epoch: 0, superseded: true } : { epoch: 55, superseded: false };
    await rebindSessions(h.core);
    h.scheduler.run();
    expect(a.transport.packets()).toMatchObject([
      { type: PacketType.PACKET_TYPE_KICKED, code: ErrorCode.ERROR_CODE_SIGNED_IN_ELSEWHERE },
    ]);
    expect(a.conn.closed).toBe(true);
    expect(b.conn.epoch).toBe(55);
  });

  it('undoes the new binding of a connection that closed while the call was out', async () => {
    const h = harness();
    const a = await signIn(h, 'phone', 'alice');
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const original = h.route.rebindGate;
    h.route.rebindGate = async (r) => {
      await held;
      return original(r);
    };
    const running = rebindSessions(h.core);
    h.core.transportClosed(a.conn);
    release();
    await running;
    await settle();
    expect(h.route.calls['unbind']).toEqual([
      { appId: 'app1', userId: 'alice', deviceId: 'phone', epoch: 7 },
      { appId: 'app1', userId: 'alice', deviceId: 'phone', epoch: 101 },
    ]);
  });

  it('sends sessions in bounded batches', async () => {
    const h = harness({ rateLimit: { packetsPerSecond: 10, burst: 20 } });
    for (let i = 0; i < 501; i++) await signIn(h, `d${i}`);
    await rebindSessions(h.core);
    const calls = h.route.calls['rebindGate'] as Array<{ sessions: unknown[] }>;
    expect(calls.map((c) => c.sessions.length)).toEqual([500, 1]);
  });

  it('rejects when route fails, so the lease keeper tries again later', async () => {
    const h = harness();
    const a = await signIn(h, 'phone', 'alice');
    h.route.rebindError = new Error('unreachable');
    await expect(rebindSessions(h.core)).rejects.toThrow('unreachable');
    expect(a.conn.closed).toBe(false);
  });

  it('does nothing on a gate that holds no session or room (a first start)', async () => {
    const h = harness();
    await rebindSessions(h.core);
    expect(h.route.calls['rebindGate']).toBeUndefined();
  });
});
