import {
  ConversationType,
  ErrorCode,
  PacketType,
  SendRequest,
  SubscribeRoomRequest,
  UnsubscribeRoomRequest,
} from '@switchboard/proto/client';
import { RpcError } from '@switchboard/rpc';
import { describe, expect, it } from 'vitest';
import type { Connection } from './connection.js';
import { Fanout } from './fanout.js';
import {
  type FakeTransport,
  harness,
  packetBytes,
  settle,
  signedInConnection,
  targetOf,
  type Harness,
} from './test-fakes.js';

const signIn = (h: Harness, device: string) => signedInConnection(h, device);

const to = targetOf;

const subscribe = (h: Harness, conn: Connection, id: number, roomId: string) =>
  h.core.receive(
    conn,
    packetBytes(PacketType.PACKET_TYPE_SUBSCRIBE_ROOM, id, SubscribeRoomRequest.encode({ roomId }).finish()),
  );

const unsubscribe = (h: Harness, conn: Connection, id: number, roomId: string) =>
  h.core.receive(
    conn,
    packetBytes(
      PacketType.PACKET_TYPE_UNSUBSCRIBE_ROOM,
      id,
      UnsubscribeRoomRequest.encode({ roomId }).finish(),
    ),
  );

/** The answers (request id, code) written to a transport for requests from `from` on. */
function answers(h: Harness, transport: FakeTransport, from = 2) {
  h.scheduler.run();
  return transport
    .packets()
    .filter((p) => p.requestId >= from)
    .map((p) => [p.requestId, p.code]);
}

const subscribers = (h: Harness, roomId: string) => [...(h.core.rooms.subscribers('app1', roomId) ?? [])];

describe('server-assigned rooms (SetRoom)', () => {
  it('joins and leaves idempotently, telling route of the first member and the last one', async () => {
    const h = harness();
    const fanout = new Fanout(h.core);
    const { conn: a } = await signIn(h, 'a');
    const { conn: b } = await signIn(h, 'b');
    const room = 'sb:group:1';
    expect(await fanout.setRoom('app1', h.core.bootId, [to(a), to(b, 7)], room, true)).toEqual({
      updated: 2,
      missing: 0,
    });
    expect(subscribers(h, room)).toEqual([a, b]);
    expect(h.route.calls.joinRoom).toEqual([{ appId: 'app1', roomId: room, gateId: 'gate-test' }]);
    // Again: nothing changes, route is not told twice.
    expect(await fanout.setRoom('app1', h.core.bootId, [to(a)], room, true)).toEqual({
      updated: 1,
      missing: 0,
    });
    expect(h.route.calls.joinRoom).toHaveLength(1);

    await fanout.setRoom('app1', h.core.bootId, [to(a)], room, false);
    expect(subscribers(h, room)).toEqual([b]);
    expect(h.route.calls.leaveRoom).toBeUndefined();
    await fanout.setRoom('app1', h.core.bootId, [to(a), to(b)], room, false);
    expect(subscribers(h, room)).toEqual([]);
    expect(h.route.calls.leaveRoom).toEqual([{ appId: 'app1', roomId: room, gateId: 'gate-test' }]);
    expect(a.rooms).toBeUndefined();
    expect(h.core.rooms.assignedCount(a)).toBe(0);
    expect(h.core.counters.setRoomCalls).toBe(4);
  });

  it('checks targets like Deliver: epoch, app, user, device and boot id', async () => {
    const h = harness();
    const fanout = new Fanout(h.core);
    const { conn: a } = await signIn(h, 'a');
    const set = (target: ReturnType<typeof to>, appId = 'app1', bootId = h.core.bootId) =>
      fanout.setRoom(appId, bootId, [target], 'sb:group:2', true);
    expect(await set(to(a, 6))).toEqual({ updated: 0, missing: 1 });
    expect(await set({ ...to(a), userId: 'alice' })).toEqual({ updated: 0, missing: 1 });
    expect(await set({ ...to(a), deviceId: 'b' })).toEqual({ updated: 0, missing: 1 });
    expect(await set(to(a), 'app2')).toEqual({ updated: 0, missing: 1 });
    expect(await set(to(a), 'app1', 'another-boot')).toEqual({ updated: 0, missing: 1 });
    expect(await set({ ...to(a), connId: 999 })).toEqual({ updated: 0, missing: 1 });
    expect(a.rooms).toBeUndefined();
    expect(h.route.calls.joinRoom).toBeUndefined();
    expect(h.core.counters.misaddressed).toBe(3);
    expect(h.core.counters.staleBootCalls).toBe(1);
    expect(await set(to(a, 7))).toEqual({ updated: 1, missing: 0 });
  });

  it('fails, with nothing indexed, when route refuses the join', async () => {
    const h = harness();
    const fanout = new Fanout(h.core);
    const { conn: a } = await signIn(h, 'a');
    h.route.joinRoomError = new RpcError(ErrorCode.ERROR_CODE_UNAVAILABLE, 'route down');
    await expect(fanout.setRoom('app1', h.core.bootId, [to(a)], 'sb:group:3', true)).rejects.toThrow(
      'route down',
    );
    expect(subscribers(h, 'sb:group:3')).toEqual([]);
    expect(a.rooms).toBeUndefined();
    expect(h.core.rooms.assignedCount(a)).toBe(0);
  });

  it('keeps an assigned room on a client UNSUBSCRIBE_ROOM and leaves it out of the room limit', async () => {
    const h = harness({ maxRoomsPerConnection: 1 });
    const fanout = new Fanout(h.core);
    const { conn: a, transport } = await signIn(h, 'a');
    await fanout.setRoom('app1', h.core.bootId, [to(a)], 'sb:group:4', true);
    await fanout.setRoom('app1', h.core.bootId, [to(a)], 'sb:group:5', true);
    unsubscribe(h, a, 2, 'sb:group:4'); // a no-op, answered OK
    subscribe(h, a, 3, 'lobby'); // the one room the client may join itself
    await settle();
    subscribe(h, a, 4, 'another');
    await settle();
    expect(answers(h, transport)).toEqual([
      [2, 0],
      [3, 0],
      [4, ErrorCode.ERROR_CODE_LIMIT_EXCEEDED],
    ]);
    expect([...(a.rooms ?? [])].sort()).toEqual(['lobby', 'sb:group:4', 'sb:group:5']);
    expect(h.route.calls.leaveRoom).toBeUndefined();
    // The client's own room leaves as before; the connection closing releases every room.
    unsubscribe(h, a, 5, 'lobby');
    expect([...(a.rooms ?? [])].sort()).toEqual(['sb:group:4', 'sb:group:5']);
    h.core.transportClosed(a);
    expect(subscribers(h, 'sb:group:4')).toEqual([]);
    expect(h.core.rooms.assignedCount(a)).toBe(0);
    expect(h.route.calls.leaveRoom).toHaveLength(3);
  });
});

describe('rooms assigned at sign-in', () => {
  it('indexes the connection under the rooms logic answers, joining route once per room', async () => {
    const h = harness();
    h.logic.rooms = ['sb:group:1', 'sb:group:2', 'sb:group:1', '', 'r'.repeat(129)];
    const { conn: a, transport } = await signIn(h, 'a');
    const { conn: b } = await signIn(h, 'b');
    expect(transport.packets()[0]?.code).toBe(0);
    expect(subscribers(h, 'sb:group:1')).toEqual([a, b]);
    expect(subscribers(h, 'sb:group:2')).toEqual([a, b]);
    expect(h.core.rooms.assignedCount(a)).toBe(2);
    // The two bad ids are skipped; route hears of each room once (its first member).
    expect((h.route.calls.joinRoom ?? []).map((r) => (r as { roomId: string }).roomId)).toEqual([
      'sb:group:1',
      'sb:group:2',
    ]);
    expect(h.logs.lines.some((l) => String(l['msg']).includes('invalid room id'))).toBe(true);
    unsubscribe(h, a, 2, 'sb:group:1');
    expect(subscribers(h, 'sb:group:1')).toEqual([a, b]);
  });

  it('closes the connection, with its rooms released, when route refuses the join', async () => {
    const h = harness();
    h.logic.rooms = ['sb:group:9'];
    h.route.joinRoomError = new RpcError(ErrorCode.ERROR_CODE_UNAVAILABLE, 'route down');
    const { conn: a, transport } = await signIn(h, 'a');
    await settle();
    expect(a.closed).toBe(true);
    expect(transport.closedWith?.code).toBe(ErrorCode.ERROR_CODE_UNAVAILABLE);
    expect(subscribers(h, 'sb:group:9')).toEqual([]);
    expect(h.core.rooms.size).toBe(0);
  });
});

describe('SEND to a room', () => {
  const sendTo = (h: Harness, conn: Connection, id: number, roomId: string) =>
    h.core.receive(
      conn,
      packetBytes(
        PacketType.PACKET_TYPE_SEND,
        id,
        SendRequest.encode({
          clientMsgId: `m${id}`,
          conversation: { type: ConversationType.CONVERSATION_TYPE_ROOM, id: roomId },
          contentType: 'text',
          content: Buffer.from('hi'),
        }).finish(),
      ),
    );

  it('answers NOT_ROOM_SUBSCRIBER without asking logic unless the connection is in the room', async () => {
    const h = harness();
    h.logic.rooms = ['sb:group:1'];
    const { conn: a, transport } = await signIn(h, 'a');
    sendTo(h, a, 2, 'lobby');
    await settle();
    expect(answers(h, transport)).toEqual([[2, ErrorCode.ERROR_CODE_NOT_ROOM_SUBSCRIBER]]);
    expect(h.logic.calls.send).toBeUndefined();

    subscribe(h, a, 3, 'lobby');
    await settle();
    sendTo(h, a, 4, 'lobby');
    sendTo(h, a, 5, 'sb:group:1');
    await settle();
    expect(answers(h, transport)).toEqual([
      [2, ErrorCode.ERROR_CODE_NOT_ROOM_SUBSCRIBER],
      [3, 0],
      [4, 0],
      [5, 0],
    ]);
    expect(h.logic.calls.send).toHaveLength(2);
  });
});
