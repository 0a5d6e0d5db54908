import { ErrorCode, PacketType, SubscribeRoomRequest } from '@switchboard/proto/client';
import { describe, expect, it } from 'vitest';
import { WireFormat } from './transport.js';
import { FakeTransport, harness, packetBytes, settle, signInBytes } from './test-fakes.js';

const from = (ip: string, port: number) => new FakeTransport(WireFormat.Framed, `${ip}:${port}`);

describe('connection limits', () => {
  it('closes a connection past gate.maxConnections with TOO_MANY_CONNECTIONS, and admits again once one leaves', () => {
    const h = harness({ maxConnections: 2 });
    const [a, b, c] = [from('10.0.0.1', 1), from('10.0.0.2', 1), from('10.0.0.3', 1)];
    const first = h.core.open(a);
    h.core.open(b);
    h.core.open(c);
    expect(c.closedWith?.code).toBe(ErrorCode.ERROR_CODE_TOO_MANY_CONNECTIONS);
    expect(c.packets()).toMatchObject([{ type: PacketType.PACKET_TYPE_DISCONNECT, code: 213 }]);
    expect(a.closedWith).toBeUndefined();
    h.core.transportClosed(first);
    const d = from('10.0.0.4', 1);
    h.core.open(d);
    expect(d.closedWith).toBeUndefined();
    expect(h.core.counters.connectionLimitCloses).toBe(1);
  });

  it('limits connections per IP address when gate.maxConnectionsPerIp is set, counting closes back', () => {
    const h = harness({ maxConnectionsPerIp: 2 });
    const one = h.core.open(from('10.0.0.9', 1));
    h.core.open(from('10.0.0.9', 2));
    const third = from('10.0.0.9', 3);
    h.core.open(third);
    expect(third.closedWith?.code).toBe(ErrorCode.ERROR_CODE_TOO_MANY_CONNECTIONS);
    const other = from('10.0.0.10', 1);
    h.core.open(other);
    expect(other.closedWith).toBeUndefined();
    h.core.transportClosed(one);
    const again = from('10.0.0.9', 4);
    h.core.open(again);
    expect(again.closedWith).toBeUndefined();
  });

  it('counts a close back to its address when the closed transport no longer knows it', () => {
    const h = harness({ maxConnectionsPerIp: 1 });
    const first = new FakeTransport(WireFormat.Framed, '10.0.0.9:1');
    const conn = h.core.open(first);
    // Transports build the address on each read; a closed socket reads `?:0` (see Transport).
    Object.assign(first, { remoteAddress: '?:0' });
    h.core.transportClosed(conn);
    const next = from('10.0.0.9', 2);
    h.core.open(next);
    expect(next.closedWith).toBeUndefined();
  });

  it('answers LIMIT_EXCEEDED past gate.maxRoomsPerConnection; the connection stays open', async () => {
    const h = harness({ maxRoomsPerConnection: 2 });
    const t = new FakeTransport();
    const conn = h.core.open(t);
    h.core.receive(conn, signInBytes(1));
    await settle();
    const subscribe = (id: number, roomId: string) =>
      h.core.receive(
        conn,
        packetBytes(
          PacketType.PACKET_TYPE_SUBSCRIBE_ROOM,
          id,
          SubscribeRoomRequest.encode({ roomId }).finish(),
        ),
      );
    subscribe(2, 'r1');
    await settle();
    subscribe(3, 'r2');
    await settle();
    subscribe(4, 'r3');
    subscribe(5, 'r1'); // already joined: not a new room
    await settle();
    h.scheduler.run();
    const answers = t.packets().filter((p) => p.requestId >= 2);
    expect(answers.map((p) => [p.requestId, p.code])).toEqual([
      [2, 0],
      [3, 0],
      [4, ErrorCode.ERROR_CODE_LIMIT_EXCEEDED],
      [5, 0],
    ]);
    expect(conn.closed).toBe(false);
    expect(h.core.counters.roomLimitRefusals).toBe(1);
  });

  it('limits how fast one IP address may open connections when gate.connectRatePerIp is set', () => {
    const h = harness({ connectRatePerIp: { perSecond: 1, burst: 2 } });
    const opened = (ip: string, port: number) => {
      const t = from(ip, port);
      h.core.open(t);
      return t.closedWith?.code ?? 0;
    };
    expect([opened('10.0.1.1', 1), opened('10.0.1.1', 2), opened('10.0.1.1', 3)]).toEqual([
      0,
      0,
      ErrorCode.ERROR_CODE_TOO_MANY_CONNECTIONS,
    ]);
    expect(opened('10.0.1.2', 1)).toBe(0); // another address has its own budget
    h.clock.t += 1_000;
    expect(opened('10.0.1.1', 4)).toBe(0);
    expect(opened('10.0.1.1', 5)).toBe(ErrorCode.ERROR_CODE_TOO_MANY_CONNECTIONS);
    // Long after, the address is forgotten and gets a full burst again.
    h.clock.t += 60_000;
    h.core.tick();
    expect([opened('10.0.1.1', 6), opened('10.0.1.1', 7)]).toEqual([0, 0]);
  });
});
