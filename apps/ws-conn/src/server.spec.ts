import { Metadata } from '@grpc/grpc-js';
import { startFakeUpstreams, type FakeUpstreams } from '@switchboard/gate/testing';
import { memoryDestination, type MemoryDestination } from '@switchboard/log';
import { ErrorCode, PacketType } from '@switchboard/proto/client';
import type { GateServiceClient } from '@switchboard/proto/conn';
import { encodePacket } from '@switchboard/protocol';
import { call } from '@switchboard/rpc';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WsConn } from './server.js';
import { Client, type GateFixture, signInPacket, start, startFixture } from './test-client.js';

describe('ws-conn over real WebSockets', () => {
  let upstreams: FakeUpstreams;
  let app: WsConn;
  let logs: MemoryDestination;
  let url: string;
  let gateClient: GateServiceClient;
  let fixture: GateFixture;

  beforeAll(async () => {
    fixture = await startFixture();
    ({ upstreams, app, logs, url, gateClient } = fixture);
  });

  afterAll(() => fixture.stop());

  it.each([
    ['no subprotocol (binary default)', undefined, ''],
    ['switchboard.v1', ['switchboard.v1'], 'switchboard.v1'],
    ['switchboard.v1.json', ['switchboard.v1.json'], 'switchboard.v1.json'],
  ])('round-trips sign-in, heartbeat and a push with %s', async (_name, protocols, chosen) => {
    const c = await Client.open(url, protocols);
    expect(c.ws.protocol).toBe(chosen);
    const device = `dev-${chosen || 'none'}`;
    c.sendPacket(signInPacket(device));
    expect(await c.next((p) => p.type === PacketType.PACKET_TYPE_SIGN_IN)).toMatchObject({
      requestId: 1,
      code: 0,
    });
    c.sendPacket({
      type: PacketType.PACKET_TYPE_HEARTBEAT,
      requestId: 2,
      code: 0,
      message: '',
      data: Buffer.alloc(0),
    });
    await c.next((p) => p.type === PacketType.PACKET_TYPE_HEARTBEAT && p.requestId === 2);
    const conn = app.gate.core.registry.byDeviceOf('app1', 'u1', device)!;
    const push = encodePacket({
      type: PacketType.PACKET_TYPE_MESSAGE,
      requestId: 0,
      code: 0,
      message: '',
      data: Buffer.from('hello'),
    });
    const res = await call(
      gateClient,
      gateClient.deliver,
      {
        appId: 'app1',
        bootId: app.gate.core.bootId,
        deliveries: [
          {
            packet: Buffer.from(push),
            targets: [{ connId: conn.id, epoch: conn.epoch, userId: 'u1', deviceId: device, seq: 0 }],
            message: Buffer.alloc(0),
          },
        ],
      },
      new Metadata(),
      5_000,
    );
    expect(res).toEqual({ delivered: 1, missing: 0 });
    const msg = await c.next((p) => p.type === PacketType.PACKET_TYPE_MESSAGE);
    expect(msg.data.toString()).toBe('hello');
    c.ws.close();
    await c.closed();
  });

  it('sends JSON packets as text messages', async () => {
    const c = await Client.open(url, ['switchboard.v1.json']);
    const texts: string[] = [];
    c.ws.on('message', (data: Buffer, isBinary: boolean) => !isBinary && texts.push(data.toString()));
    c.ws.send('{"type":"PACKET_TYPE_HEARTBEAT","requestId":"9"}');
    await c.next((p) => p.requestId === 9);
    expect(JSON.parse(texts[0]!)).toMatchObject({ type: 'PACKET_TYPE_HEARTBEAT', requestId: 9 });
    c.ws.close();
  });

  it('closes with 4000 + code on a request before sign-in, and logs it', async () => {
    const c = await Client.open(url);
    c.sendPacket({
      type: PacketType.PACKET_TYPE_SEND,
      requestId: 3,
      code: 0,
      message: '',
      data: Buffer.alloc(0),
    });
    expect(await c.closed()).toBe(4000 + ErrorCode.ERROR_CODE_NOT_SIGNED_IN);
    expect(c.packets).toMatchObject([
      { type: PacketType.PACKET_TYPE_DISCONNECT, code: ErrorCode.ERROR_CODE_NOT_SIGNED_IN },
    ]);
    expect(logs.lines).toContainEqual(expect.objectContaining({ msg: 'connection closed', code: 203 }));
  });

  it('closes on invalid JSON with INVALID_PACKET', async () => {
    const c = await Client.open(url, ['switchboard.v1.json']);
    c.ws.send('{not json');
    expect(await c.closed()).toBe(4000 + ErrorCode.ERROR_CODE_INVALID_PACKET);
  });

  it('closes a message of the other kind with INVALID_PACKET saying what the connection takes', async () => {
    // JSON text on the default (protobuf) subprotocol: the easiest mistake from a browser console.
    const text = await Client.open(url);
    text.ws.send('{"type":"PACKET_TYPE_HEARTBEAT","requestId":1}');
    expect(await text.closed()).toBe(4000 + ErrorCode.ERROR_CODE_INVALID_PACKET);
    expect(text.packets).toHaveLength(1);
    expect(text.packets[0]!.message).toMatch(
      /^a text message, where this connection takes binary protobuf Packets \(JSON text needs the switchboard\.v1\.json subprotocol\): invalid Packet protobuf/,
    );
    // A binary message on the JSON subprotocol is read as JSON all the same; bytes that are not
    // JSON say that the connection takes text.
    const binary = await Client.open(url, ['switchboard.v1.json']);
    binary.ws.send(Buffer.from([1, 2, 3]));
    expect(await binary.closed()).toBe(4000 + ErrorCode.ERROR_CODE_INVALID_PACKET);
    expect(binary.packets[0]!.message).toMatch(
      /^a binary message, where this connection takes Packet JSON as text messages: invalid Packet JSON/,
    );
    const json = await Client.open(url, ['switchboard.v1.json']);
    json.ws.send(Buffer.from('{"type":"PACKET_TYPE_HEARTBEAT","requestId":4}'));
    expect(await json.next((p) => p.requestId === 4)).toMatchObject({
      type: PacketType.PACKET_TYPE_HEARTBEAT,
    });
    json.ws.close();
  });

  it('closes a message above maxPayload (1009) and logs FRAME_TOO_LARGE; others carry on', async () => {
    const ok = await Client.open(url);
    const big = await Client.open(url);
    big.ws.send(Buffer.alloc(2048));
    expect(await big.closed()).toBe(1009);
    expect(logs.lines).toContainEqual(expect.objectContaining({ msg: 'connection closed', code: 201 }));
    ok.sendPacket({
      type: PacketType.PACKET_TYPE_HEARTBEAT,
      requestId: 5,
      code: 0,
      message: '',
      data: Buffer.alloc(0),
    });
    await ok.next((p) => p.requestId === 5);
    ok.ws.close();
  });

  it('drops a socket that never completes the HTTP handshake after the sign-in timeout, not a minute later', async () => {
    const silentLogs = memoryDestination();
    const strict = await start(upstreams, silentLogs, { signInTimeoutMs: 1_000 });
    try {
      const socket = connect(strict.wsPort, '127.0.0.1');
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.on('error', () => {});
      const answer: Buffer[] = [];
      socket.on('data', (d: Buffer) => answer.push(d));
      socket.write('GET /ws HTTP/1.1\r\nHost: x\r\n'); // and never the rest
      // Node's defaults would hold it 60 s or more, past this test's own 30 s limit.
      await closed;
      expect(Buffer.concat(answer).toString()).toMatch(/^HTTP\/1\.1 408 /);
    } finally {
      await strict.stop();
    }
  }, 30_000);

  it('rejects other paths with 404', async () => {
    await expect(Client.open(`ws://127.0.0.1:${app.wsPort}/other`)).rejects.toThrow('HTTP 404');
  });

  it('answers plain HTTP (a browser, curl) with text saying where and how to connect', async () => {
    // The WebSocket path without an upgrade: 426, as RFC 9110 has it, naming the subprotocols.
    const plain = await fetch(`http://127.0.0.1:${app.wsPort}/ws`);
    expect(plain.status).toBe(426);
    expect(plain.headers.get('upgrade')).toBe('websocket');
    expect(plain.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await plain.text()).toMatch(
      /^This is a Switchboard WebSocket gate: connect to \/ws with a WebSocket client, subprotocol switchboard\.v1 \(protobuf\) or switchboard\.v1\.json/,
    );
    const other = await fetch(`http://127.0.0.1:${app.wsPort}/`);
    expect(other.status).toBe(404);
    expect(await other.text()).toMatch(/^Not found\. This is a Switchboard WebSocket gate: connect to \/ws/);
  });

  it('serves /healthz and /readyz on the same port, but not /metrics (that is on the health port)', async () => {
    const health = await fetch(`http://127.0.0.1:${app.wsPort}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`http://127.0.0.1:${app.wsPort}/readyz`);
    expect([ready.status, await ready.text()]).toEqual([200, 'ready\n']);
    expect((await fetch(`http://127.0.0.1:${app.wsPort}/metrics`)).status).toBe(404);
  });
});

describe('ws-conn origin allow-list and drain', () => {
  it('rejects a disallowed Origin with 403 and accepts an allowed one', async () => {
    const upstreams = await startFakeUpstreams();
    const logs = memoryDestination();
    const app = await start(upstreams, logs, {
      ws: {
        port: 0,
        path: '/ws',
        maxPayload: 1024,
        perMessageDeflate: false,
        allowedOrigins: ['https://chat.example.com'],
        tls: { enabled: false, certFile: '', keyFile: '' },
      },
    });
    const url = `ws://127.0.0.1:${app.wsPort}/ws`;
    try {
      await expect(Client.open(url, undefined, { Origin: 'https://evil.example.com' })).rejects.toThrow(
        'HTTP 403',
      );
      const c = await Client.open(url, undefined, { Origin: 'https://chat.example.com' });
      c.sendPacket(signInPacket('d1'));
      await c.next((p) => p.type === PacketType.PACKET_TYPE_SIGN_IN);
      await app.stop();
      expect(await c.closed()).toBe(4000 + ErrorCode.ERROR_CODE_SERVER_SHUTDOWN);
      expect(c.packets.at(-1)).toMatchObject({ type: PacketType.PACKET_TYPE_DISCONNECT, code: 208 });
      expect(upstreams.calls['removeGate']).toEqual([{ gateId: app.gate.id }]);
      // Drain removes the gate's bindings at once instead of one Unbind per connection.
      expect(upstreams.calls['unbind']).toBeUndefined();
    } finally {
      await app.stop();
      await upstreams.stop();
    }
  });
});
