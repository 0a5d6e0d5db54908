import {
  ErrorCode,
  Message,
  Packet,
  PacketType,
  SubscribeRoomRequest,
  UnsubscribeRoomRequest,
} from '@switchboard/proto/client';
import { encodePacket } from '@switchboard/protocol';
import { RpcError } from '@switchboard/rpc';
import { describe, expect, it } from 'vitest';
import type { Connection } from './connection.js';
import { Fanout } from './fanout.js';
import { FakeTransport, harness, packetBytes, settle, signInBytes, type Harness } from './test-fakes.js';
import { isJsonFormat, WireFormat } from './transport.js';
import { wsFramePayload } from './ws-frame.js';

async function signIn(
  h: Harness,
  device: string,
  tags: string[] = [],
  format: WireFormat = WireFormat.Framed,
) {
  const transport = new FakeTransport(format);
  const conn = h.core.open(transport);
  const bytes = signInBytes(1, device, tags);
  h.core.receive(conn, isJsonFormat(format) ? jsonOf(bytes) : bytes);
  await settle();
  h.scheduler.run();
  transport.writes.length = 0;
  transport.writeCalls.length = 0;
  return { transport, conn };
}

function jsonOf(bytes: Buffer): string {
  const p = Packet.decode(bytes);
  return JSON.stringify(Packet.toJSON(p));
}

/** A Deliver target naming `conn` as route would: its user and device, and an epoch (0 = any). */
const to = (conn: Connection, epoch = 0) => ({
  connId: conn.id,
  epoch,
  userId: conn.userId,
  deviceId: conn.deviceId,
});

const push = (text: string) =>
  Buffer.from(
    encodePacket({
      type: PacketType.PACKET_TYPE_MESSAGE,
      requestId: 0,
      code: 0,
      message: '',
      data: Buffer.from(text),
    }),
  );

const roomBytes = (type: PacketType, requestId: number, roomId: string) =>
  packetBytes(
    type,
    requestId,
    type === PacketType.PACKET_TYPE_SUBSCRIBE_ROOM
      ? SubscribeRoomRequest.encode({ roomId }).finish()
      : UnsubscribeRoomRequest.encode({ roomId }).finish(),
  );

describe('fan-out', () => {
  it('writes the SAME encoded object to every connection of a format, once per format', async () => {
    const h = harness();
    const fanout = new Fanout(h.core);
    const tcp = [await signIn(h, 'a'), await signIn(h, 'b'), await signIn(h, 'c')];
    const ws = [await signIn(h, 'd', [], WireFormat.Binary), await signIn(h, 'e', [], WireFormat.Binary)];
    const json = [await signIn(h, 'f', [], WireFormat.Json), await signIn(h, 'g', [], WireFormat.Json)];
    const wsFramed = [
      await signIn(h, 'h', [], WireFormat.WsBinary),
      await signIn(h, 'i', [], WireFormat.WsBinary),
    ];
    const wsText = [await signIn(h, 'j', [], WireFormat.WsText), await signIn(h, 'k', [], WireFormat.WsText)];
    expect(fanout.broadcast('app1', push('hello'))).toBe(11);
    h.scheduler.run();
    const chunks = (group: typeof tcp) => group.map((c) => c.transport.writes[0]![0]);
    const [t0, ...tRest] = chunks(tcp);
    for (const c of tRest) expect(c).toBe(t0);
    for (const group of [ws, json, wsFramed, wsText]) expect(chunks(group)[1]).toBe(chunks(group)[0]);
    expect(typeof chunks(json)[0]).toBe('string');
    expect((t0 as Buffer).readUInt32BE(0)).toBe((t0 as Buffer).length - 4);
    // The WebSocket frames carry the same payloads as the unframed formats.
    expect(wsFramePayload(chunks(wsFramed)[0] as Buffer)).toEqual({ text: false, payload: chunks(ws)[0] });
    expect(wsFramePayload(chunks(wsText)[0] as Buffer)).toEqual({
      text: true,
      payload: Buffer.from(chunks(json)[0] as string),
    });
    for (const c of [...tcp, ...ws, ...json, ...wsFramed, ...wsText]) {
      expect(c.transport.packets()).toMatchObject([{ type: PacketType.PACKET_TYPE_MESSAGE }]);
      expect(c.transport.packets()[0]!.data.toString()).toBe('hello');
    }
    expect(fanout.broadcast('other-app', push('x'))).toBe(0);
  });

  it('batches everything queued for a connection in one tick into one write', async () => {
    const h = harness();
    const fanout = new Fanout(h.core);
    const { transport, conn } = await signIn(h, 'a');
    for (let i = 0; i < 20; i++)
      fanout.deliver('app1', h.core.bootId, [{ packet: push(`m${i}`), targets: [to(conn)] }]);
    h.scheduler.run();
    expect(transport.writes).toHaveLength(1);
    expect(transport.writes[0]).toHaveLength(20);
    expect(transport.packets().map((p) => p.data.toString())).toEqual(
      Array.from({ length: 20 }, (_, i) => `m${i}`),
    );
    expect(h.core.counters.packetsOut).toBeGreaterThanOrEqual(20);
  });

  it('writes a lone packet with one write, and a batch plus a goodbye in order with one writeMany', async () => {
    const h = harness();
    const fanout = new Fanout(h.core);
    const { transport, conn } = await signIn(h, 'a');
    fanout.deliver('app1', h.core.bootId, [{ packet: push('alone'), targets: [to(conn)] }]);
    h.scheduler.run();
    expect(transport.writeCalls).toEqual(['write']);
    fanout.deliver('app1', h.core.bootId, [{ packet: push('m1'), targets: [to(conn)] }]);
    fanout.deliver('app1', h.core.bootId, [{ packet: push('m2'), targets: [to(conn)] }]);
    h.core.closeWith(conn, ErrorCode.ERROR_CODE_SERVER_SHUTDOWN, 'bye');
    expect(transport.writeCalls).toEqual(['write', 'writeMany']);
    expect(transport.packets().map((p) => p.data.toString() || p.type)).toEqual([
      'alone',
      'm1',
      'm2',
      PacketType.PACKET_TYPE_DISCONNECT,
    ]);
    expect(h.core.counters.packetsOut).toBeGreaterThanOrEqual(4);
  });

  it('delivers only to targets whose epoch matches (0 = any) and counts the missing', async () => {
    const h = harness();
    const fanout = new Fanout(h.core);
    const { transport, conn } = await signIn(h, 'a');
    const result = fanout.deliver('app1', h.core.bootId, [
      {
        packet: push('x'),
        targets: [to(conn, 7), to(conn, 6), { ...to(conn), connId: 9999 }],
      },
    ]);
    expect(result).toEqual({ delivered: 1, missing: 2 });
    h.scheduler.run();
    expect(transport.packets()).toHaveLength(1);
  });

  it('writes a Delivery of a message to each target with its own seq, as a MESSAGE push', async () => {
    const h = harness();
    const fanout = new Fanout(h.core);
    const a = await signIn(h, 'a');
    const b = await signIn(h, 'b', [], WireFormat.Json);
    const message = {
      ...Message.fromPartial({ messageId: 300, clientMsgId: 'c', content: Buffer.from('hi') }),
    };
    const result = fanout.deliver('app1', h.core.bootId, [
      {
        packet: Buffer.alloc(0),
        message: Buffer.from(Message.encode(message).finish()),
        targets: [
          { ...to(a.conn), seq: 5 },
          { ...to(b.conn), seq: 70_000 },
          { ...to(a.conn), connId: 9999, seq: 6 },
        ],
      },
    ]);
    expect(result).toEqual({ delivered: 2, missing: 1 });
    h.scheduler.run();
    for (const [transport, seq] of [
      [a.transport, 5],
      [b.transport, 70_000],
    ] as const) {
      const [packet] = transport.packets();
      expect(packet!.type).toBe(PacketType.PACKET_TYPE_MESSAGE);
      expect(Message.decode(packet!.data)).toEqual({ ...message, seq });
    }
  });

  it('builds a message push once for consecutive targets of one format and seq (a user’s devices)', async () => {
    const h = harness();
    const fanout = new Fanout(h.core);
    const [a, b, c, d] = [
      await signIn(h, 'a'),
      await signIn(h, 'b'),
      await signIn(h, 'c', [], WireFormat.WsBinary),
      await signIn(h, 'd'),
    ];
    const message = Message.fromPartial({ messageId: 7, clientMsgId: 'c', content: Buffer.from('hi') });
    fanout.deliver('app1', h.core.bootId, [
      {
        packet: Buffer.alloc(0),
        message: Buffer.from(Message.encode(message).finish()),
        targets: [
          { ...to(a!.conn), seq: 9 },
          { ...to(b!.conn), seq: 9 },
          { ...to(c!.conn), seq: 9 },
          { ...to(d!.conn), seq: 10 },
        ],
      },
    ]);
    h.scheduler.run();
    const chunks = [a, b, c, d].map((x) => x!.transport.writes.flat()[0]);
    expect(chunks[1]).toBe(chunks[0]);
    expect(chunks[2]).not.toBe(chunks[0]);
    for (const [x, seq] of [
      [a, 9],
      [b, 9],
      [c, 9],
      [d, 10],
    ] as const)
      expect(Message.decode(x!.transport.packets()[0]!.data)).toEqual({ ...message, seq });
  });

  it('never writes to a connection signed in as another app, user or device than the target names', async () => {
    const h = harness();
    const fanout = new Fanout(h.core);
    const { transport, conn } = await signIn(h, 'a');
    const result = fanout.deliver('app1', h.core.bootId, [
      {
        packet: push('for someone else'),
        targets: [
          { ...to(conn), userId: 'alice' },
          { ...to(conn), deviceId: 'other-device' },
          { ...to(conn, 7), userId: 'alice' },
        ],
      },
    ]);
    expect(
      fanout.deliver('app2', h.core.bootId, [{ packet: push('other app'), targets: [to(conn)] }]),
    ).toEqual({ delivered: 0, missing: 1 });
    expect(result).toEqual({ delivered: 0, missing: 3 });
    expect(h.core.counters.misaddressed).toBe(4);
    h.scheduler.run();
    expect(transport.writes).toEqual([]);
  });

  it("delivers nothing for another process's boot id, even to a connection whose id and user match", async () => {
    const h = harness();
    const fanout = new Fanout(h.core);
    const { transport, conn } = await signIn(h, 'a');
    const deliveries = [{ packet: push('old'), targets: [to(conn, 7)] }];
    expect(fanout.deliver('app1', 'previous-boot', deliveries)).toEqual({ delivered: 0, missing: 1 });
    const kick = {
      bootId: 'previous-boot',
      connId: conn.id,
      epoch: 7,
      appId: 'app1',
      userId: 'u1',
      deviceId: 'a',
    };
    expect(fanout.kick(kick, ErrorCode.ERROR_CODE_SIGNED_IN_ELSEWHERE, 'x')).toBe(false);
    expect(h.core.counters.staleBootCalls).toBe(2);
    h.scheduler.run();
    expect(transport.writes).toEqual([]);
    expect(conn.closed).toBe(false);
  });

  it('cuts off a slow consumer at once while the others keep receiving', async () => {
    const h = harness({ sendQueueMaxBytes: 4096 });
    const fanout = new Fanout(h.core);
    const slow = await signIn(h, 'slow');
    const fast = await signIn(h, 'fast');
    // The slow client's socket still holds 3.5 KiB it has not read.
    slow.transport.bufferedAmount = 3584;
    const big = push('x'.repeat(1000));
    expect(fanout.broadcast('app1', big)).toBe(1);
    expect(slow.transport.destroyed).toBe(true);
    expect(slow.transport.closedWith).toBeUndefined();
    expect(h.core.counters.slowCloses).toBe(1);
    expect(h.core.registry.signedInCount).toBe(1);
    expect(h.route.calls['unbind']).toHaveLength(1);
    for (let i = 0; i < 3; i++) fanout.broadcast('app1', big);
    h.scheduler.run();
    expect(fast.transport.packets()).toHaveLength(4);
    expect(slow.transport.writes).toEqual([]);
    expect(h.logs.lines).toContainEqual(expect.objectContaining({ msg: 'connection closed', code: 206 }));
  });

  it('counts queued but unflushed bytes against the bound', async () => {
    const h = harness({ sendQueueMaxBytes: 2048 });
    const fanout = new Fanout(h.core);
    const c = await signIn(h, 'a');
    const target = [to(c.conn)];
    const deliver = () =>
      fanout.deliver('app1', h.core.bootId, [{ packet: push('y'.repeat(900)), targets: target }]);
    expect(deliver().delivered).toBe(1);
    expect(deliver().delivered).toBe(1);
    expect(deliver().delivered).toBe(0);
    expect(c.transport.destroyed).toBe(true);
  });

  it('pushes to tag expressions: all_of by the smallest set, any_of as a union, none_of excluded', async () => {
    const h = harness();
    const fanout = new Fanout(h.core);
    const a = await signIn(h, 'a', ['v2', 'room_2018']);
    const b = await signIn(h, 'b', ['v2']);
    const c = await signIn(h, 'c', ['room_2018', 'beta']);
    const d = await signIn(h, 'd', ['v2', 'beta']);
    const got = (q: { allOf: string[]; anyOf: string[]; noneOf?: string[] }) => {
      for (const x of [a, b, c, d]) x.transport.writes.length = 0;
      const n = fanout.pushTags('app1', { noneOf: [], ...q }, push('t'));
      h.scheduler.run();
      const names = [a, b, c, d].filter((x) => x.transport.writes.length > 0).map((x) => x.conn.deviceId);
      expect(names).toHaveLength(n);
      return names;
    };
    expect(got({ allOf: ['v2', 'room_2018'], anyOf: [] })).toEqual(['a']);
    expect(got({ allOf: [], anyOf: ['room_2018', 'beta'] })).toEqual(['a', 'c', 'd']);
    expect(got({ allOf: ['v2'], anyOf: ['room_2018', 'beta'] })).toEqual(['a', 'd']);
    expect(got({ allOf: ['v2', 'nope'], anyOf: [] })).toEqual([]);
    expect(got({ allOf: ['v2'], anyOf: [], noneOf: ['beta'] })).toEqual(['a', 'b']);
    expect(got({ allOf: [], anyOf: ['room_2018', 'beta'], noneOf: ['v2'] })).toEqual(['c']);
    expect(got({ allOf: [], anyOf: ['beta'], noneOf: ['room_2018', 'nope'] })).toEqual(['d']);
    expect(got({ allOf: ['v2'], anyOf: ['room_2018', 'beta'], noneOf: ['room_2018'] })).toEqual(['d']);
    // Neither all_of nor any_of: nothing, with or without none_of.
    expect(got({ allOf: [], anyOf: [] })).toEqual([]);
    expect(got({ allOf: [], anyOf: [], noneOf: ['beta'] })).toEqual([]);
  });

  it('kicks with KICKED only when the epoch and the signed-in app, user and device match', async () => {
    const h = harness();
    const fanout = new Fanout(h.core);
    const { transport, conn } = await signIn(h, 'a');
    const kick = (epoch: number, over: Partial<{ appId: string; userId: string; deviceId: string }> = {}) =>
      fanout.kick(
        {
          bootId: h.core.bootId,
          connId: conn.id,
          epoch,
          appId: 'app1',
          userId: 'u1',
          deviceId: 'a',
          ...over,
        },
        ErrorCode.ERROR_CODE_KICKED_BY_ADMIN,
        'bye',
      );
    expect(kick(6)).toBe(false);
    expect(kick(7, { userId: 'alice' })).toBe(false);
    expect(kick(7, { deviceId: 'b' })).toBe(false);
    expect(kick(7, { appId: 'app2' })).toBe(false);
    expect(transport.closedWith).toBeUndefined();
    expect(kick(7)).toBe(true);
    expect(transport.packets()).toMatchObject([
      { type: PacketType.PACKET_TYPE_KICKED, code: ErrorCode.ERROR_CODE_KICKED_BY_ADMIN, message: 'bye' },
    ]);
    expect(transport.closedWith?.code).toBe(ErrorCode.ERROR_CODE_KICKED_BY_ADMIN);
    expect(kick(0)).toBe(false);
  });
});

describe('rooms', () => {
  it('joins route on the first subscriber and leaves on the last, pushing to subscribers only', async () => {
    const h = harness();
    const fanout = new Fanout(h.core);
    const a = await signIn(h, 'a');
    const b = await signIn(h, 'b');
    const c = await signIn(h, 'c');
    h.core.receive(a.conn, roomBytes(PacketType.PACKET_TYPE_SUBSCRIBE_ROOM, 5, 'r1'));
    await settle();
    h.core.receive(b.conn, roomBytes(PacketType.PACKET_TYPE_SUBSCRIBE_ROOM, 6, 'r1'));
    await settle();
    h.scheduler.run();
    expect(a.transport.packets()).toMatchObject([
      { type: PacketType.PACKET_TYPE_SUBSCRIBE_ROOM, requestId: 5, code: 0 },
    ]);
    expect(h.logic.calls['subscribeRoom']).toHaveLength(2);
    expect(h.route.calls['joinRoom']).toEqual([{ appId: 'app1', roomId: 'r1', gateId: 'gate-test' }]);
    expect(fanout.pushRoom('app1', 'r1', push('hi'))).toBe(2);
    h.scheduler.run();
    expect(c.transport.writes).toEqual([]);
    // The sender's own device is skipped when route names it.
    a.transport.writes.length = 0;
    b.transport.writes.length = 0;
    expect(fanout.pushRoom('app1', 'r1', push('mine'), a.conn.userId, a.conn.deviceId)).toBe(1);
    h.scheduler.run();
    expect(a.transport.writes).toEqual([]);
    expect(b.transport.writes).toHaveLength(1);
    // A burst: every packet in order, each with its own exclusion, queued together.
    b.transport.writes.length = 0;
    const burst = [
      { packet: push('two'), excludeUserId: b.conn.userId, excludeDeviceId: b.conn.deviceId },
      { packet: push('three'), excludeUserId: '', excludeDeviceId: '' },
    ];
    expect(fanout.pushRoom('app1', 'r1', push('one'), a.conn.userId, a.conn.deviceId, burst)).toBe(4);
    h.scheduler.run();
    const texts = (t: typeof a.transport) => t.packets().map((p) => Buffer.from(p.data).toString());
    expect(texts(a.transport)).toEqual(['two', 'three']);
    expect(texts(b.transport)).toEqual(['one', 'three']);

    h.core.receive(a.conn, roomBytes(PacketType.PACKET_TYPE_UNSUBSCRIBE_ROOM, 7, 'r1'));
    expect(h.route.calls['leaveRoom']).toBeUndefined();
    h.core.transportClosed(b.conn);
    expect(h.route.calls['leaveRoom']).toEqual([{ appId: 'app1', roomId: 'r1', gateId: 'gate-test' }]);
    expect(fanout.pushRoom('app1', 'r1', push('hi'))).toBe(0);
    expect(h.core.rooms.size).toBe(0);
  });

  it('answers a refused subscription with logic’s code and keeps the room unjoined', async () => {
    const h = harness();
    const a = await signIn(h, 'a');
    h.logic.subscribeError = new RpcError(ErrorCode.ERROR_CODE_PERMISSION_DENIED, 'no');
    h.core.receive(a.conn, roomBytes(PacketType.PACKET_TYPE_SUBSCRIBE_ROOM, 5, 'r1'));
    await settle();
    h.scheduler.run();
    expect(a.transport.packets()).toMatchObject([
      { requestId: 5, code: ErrorCode.ERROR_CODE_PERMISSION_DENIED },
    ]);
    expect(h.route.calls['joinRoom']).toBeUndefined();
    expect(h.core.rooms.size).toBe(0);
  });
});

describe('shutdown', () => {
  it('sends SERVER_SHUTDOWN to everyone and skips per-connection unbinds', async () => {
    const h = harness();
    const a = await signIn(h, 'a');
    const b = new FakeTransport();
    h.core.open(b);
    h.core.shutdown(ErrorCode.ERROR_CODE_SERVER_SHUTDOWN, 'bye');
    for (const t of [a.transport, b]) {
      expect(t.packets().at(-1)).toMatchObject({ type: PacketType.PACKET_TYPE_DISCONNECT, code: 208 });
      expect(t.closedWith?.code).toBe(208);
    }
    expect(h.route.calls['unbind']).toBeUndefined();
    expect(h.core.registry.size).toBe(0);
  });
});
