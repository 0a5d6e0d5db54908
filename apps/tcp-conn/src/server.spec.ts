import { credentials, Metadata } from '@grpc/grpc-js';
import { loadConfig } from '@switchboard/config';
import { messagePush, startFakeUpstreams, type FakeUpstreams } from '@switchboard/gate/testing';
import { createLogger, memoryDestination, type MemoryDestination } from '@switchboard/log';
import { ErrorCode, PacketType, SendRequest, type Packet } from '@switchboard/proto/client';
import { GateServiceClient } from '@switchboard/proto/conn';
import { encodePacket } from '@switchboard/protocol';
import { call, internalClientOptions, type RpcError } from '@switchboard/rpc';
import { once } from 'node:events';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TCP_GATE_ANSWER } from './foreign-protocol.js';
import { startTcpConn, type TcpConn } from './server.js';
import { TestClient } from './test-client.js';

describe('tcp-conn over real sockets', () => {
  let upstreams: FakeUpstreams;
  let app: TcpConn;
  let logs: MemoryDestination;
  let gateClient: GateServiceClient;
  let healthy: TestClient;

  beforeAll(async () => {
    upstreams = await startFakeUpstreams();
    logs = memoryDestination();
    const config = loadConfig({
      env: {},
      profile: 'default',
      overrides: {
        gate: {
          grpcPort: 0,
          tcp: { port: 0 },
          health: { enabled: true, port: 0 },
          maxFrameBytes: 1024,
          sendQueueMaxBytes: 64 * 1024,
          rateLimit: { packetsPerSecond: 20, burst: 20 },
        },
        gateClient: { logicAddress: upstreams.logicAddress, routeAddress: upstreams.routeAddress },
        internal: { secret: upstreams.secret },
      },
    });
    const logger = createLogger({ level: 'info', service: 'tcp-conn', destination: logs });
    app = await startTcpConn({ config, logger });
    gateClient = new GateServiceClient(
      `127.0.0.1:${app.grpcPort}`,
      credentials.createInsecure(),
      internalClientOptions(upstreams.secret),
    );
    healthy = await TestClient.open(app.tcpPort);
    await healthy.signedIn('good', 'healthy');
  });

  afterAll(async () => {
    gateClient.close();
    await app.stop();
    await upstreams.stop();
  });

  const closeLogged = (code: ErrorCode) =>
    logs.lines.some(
      (l) =>
        l['msg'] === 'connection closed' &&
        l['code'] === code &&
        typeof l['remote'] === 'string' &&
        l['remote'].endsWith(':0') === false,
    );

  async function expectClosedWith(client: TestClient, code: ErrorCode, seen?: Packet): Promise<void> {
    const p = seen ?? (await client.next((x) => x.type === PacketType.PACKET_TYPE_DISCONNECT));
    expect(p.code).toBe(code);
    await client.whenClosed();
    expect(closeLogged(code)).toBe(true);
    // Every other connection carries on.
    await healthy.ping(Math.floor(Math.random() * 1e9) + 10);
  }

  it('registers its lease at route on start', () => {
    expect(upstreams.calls['renewLease']).toEqual([
      expect.objectContaining({ gateId: app.gate.id, grpcAddress: `127.0.0.1:${app.grpcPort}` }),
    ]);
  });

  it('signs in, answers heartbeats and forwards SEND to logic', async () => {
    const c = await TestClient.open(app.tcpPort);
    const signIn = await c.signedIn('good', 'a');
    expect(signIn.code).toBe(0);
    // The peer address is asked of the socket when needed, not kept per connection.
    expect(upstreams.calls['signIn']).toContainEqual(
      expect.objectContaining({
        request: expect.objectContaining({ deviceId: 'a' }),
        remoteAddress: expect.stringMatching(`127.0.0.1:${c.socket.localPort}$`),
      }),
    );
    await c.ping(2);
    const data = SendRequest.encode({
      clientMsgId: 'm1',
      contentType: 'text',
      content: Buffer.from('x'),
    }).finish();
    c.send({ type: PacketType.PACKET_TYPE_SEND, requestId: 3, data: Buffer.from(data) });
    const reply = await c.next((p) => p.requestId === 3);
    expect(reply).toMatchObject({ type: PacketType.PACKET_TYPE_SEND, code: 0 });
    expect(upstreams.calls['send']).toContainEqual(
      expect.objectContaining({ session: expect.objectContaining({ gateId: app.gate.id, deviceId: 'a' }) }),
    );
    c.socket.end();
    await c.whenClosed();
  });

  it('writes a batch of pushes in order, frames that span reads whole', async () => {
    const c = await TestClient.open(app.tcpPort);
    await c.signedIn('good', 'batch');
    const conn = app.gate.core.registry.byDeviceOf('app1', 'u1', 'batch')!;
    // Under the 64 KiB send bound set above, which a bigger batch would trip (as it should).
    const sizes = [0, 1, 100, 20_000, 30_000, 5, 3];
    const target = { connId: conn.id, epoch: conn.epoch, userId: 'u1', deviceId: 'batch', seq: 0 };
    const deliveries = sizes.map((size, seq) => ({
      packet: messagePush(seq, size),
      targets: [target],
      message: Buffer.alloc(0),
    }));
    const res = await call(
      gateClient,
      gateClient.deliver,
      { appId: 'app1', bootId: app.gate.core.bootId, deliveries },
      new Metadata(),
      5_000,
    );
    expect(res).toEqual({ delivered: sizes.length, missing: 0 });
    await c.ping(9);
    const pushes = c.packets.filter((p) => p.type === PacketType.PACKET_TYPE_MESSAGE);
    expect(pushes.map((p) => [p.message, p.data.length])).toEqual(sizes.map((size, seq) => [`${seq}`, size]));
    expect(pushes.every((p, seq) => p.data.every((b) => b === seq))).toBe(true);
    c.socket.end();
    await c.whenClosed();
  });

  it('refuses a bad token with DISCONNECT TOKEN_INVALID', async () => {
    const c = await TestClient.open(app.tcpPort);
    c.signIn('bad');
    await expectClosedWith(c, ErrorCode.ERROR_CODE_TOKEN_INVALID);
  });

  it('answers an HTTP request (a browser, curl) with a plain HTTP 400 saying what this port takes', async () => {
    const socket = connect(app.tcpPort, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await once(socket, 'close');
    const answer = Buffer.concat(chunks).toString('latin1');
    const [head, rest] = answer.split('\r\n\r\n', 2) as [string, string];
    expect(head.split('\r\n')).toEqual([
      'HTTP/1.1 400 Bad Request',
      'Content-Type: text/plain; charset=utf-8',
      `Content-Length: ${Buffer.byteLength(TCP_GATE_ANSWER)}`,
      'Connection: close',
    ]);
    expect(rest.startsWith(TCP_GATE_ANSWER)).toBe(true);
    expect(closeLogged(ErrorCode.ERROR_CODE_BAD_FRAME)).toBe(true);
    await healthy.ping(Math.floor(Math.random() * 1e9) + 10);
  });

  it('closes a TLS handshake on a port without TLS with BAD_FRAME saying so', async () => {
    const c = await TestClient.open(app.tcpPort);
    // The first bytes of a ClientHello: a handshake record, TLS 1.0 record version.
    c.socket.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03]));
    const p = await c.next((x) => x.type === PacketType.PACKET_TYPE_DISCONNECT);
    expect(p.message).toMatch(/^a TLS handshake on a TCP gate without TLS/);
    await expectClosedWith(c, ErrorCode.ERROR_CODE_BAD_FRAME, p);
  });

  it('closes on other garbage whose first bytes read as a huge length with FRAME_TOO_LARGE', async () => {
    const c = await TestClient.open(app.tcpPort);
    c.socket.write('hello, is anyone there?');
    await expectClosedWith(c, ErrorCode.ERROR_CODE_FRAME_TOO_LARGE);
  });

  it('closes on a length above maxFrameBytes before the body arrives', async () => {
    const c = await TestClient.open(app.tcpPort);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(1025);
    c.socket.write(header);
    await expectClosedWith(c, ErrorCode.ERROR_CODE_FRAME_TOO_LARGE);
  });

  it('closes with BAD_FRAME when the stream ends inside a frame', async () => {
    const c = await TestClient.open(app.tcpPort);
    const partial = Buffer.from([0, 0, 0, 10, 1, 2, 3]);
    c.socket.end(partial);
    await expectClosedWith(c, ErrorCode.ERROR_CODE_BAD_FRAME);
  });

  it('closes with INVALID_PACKET on a frame that is not a protobuf Packet', async () => {
    const c = await TestClient.open(app.tcpPort);
    c.socket.write(Buffer.from([0, 0, 0, 4, 0xff, 0xff, 0xff, 0xff]));
    await expectClosedWith(c, ErrorCode.ERROR_CODE_INVALID_PACKET);
  });

  it('closes with NOT_SIGNED_IN on a request before sign-in', async () => {
    const c = await TestClient.open(app.tcpPort);
    c.send({ type: PacketType.PACKET_TYPE_SYNC, requestId: 4 });
    await expectClosedWith(c, ErrorCode.ERROR_CODE_NOT_SIGNED_IN);
  });

  it('closes with FLOOD past the rate limit', async () => {
    const c = await TestClient.open(app.tcpPort);
    const beat = encodePacket({
      type: PacketType.PACKET_TYPE_HEARTBEAT,
      requestId: 1,
      code: 0,
      message: '',
      data: Buffer.alloc(0),
    });
    const frame = Buffer.concat([Buffer.from([0, 0, 0, beat.length]), beat]);
    c.socket.write(Buffer.concat(Array.from({ length: 100 }, () => frame)));
    await expectClosedWith(c, ErrorCode.ERROR_CODE_FLOOD);
  });

  it('refuses Deliver from a caller without the internal secret, and delivers nothing (issue 7)', async () => {
    const c = await TestClient.open(app.tcpPort);
    await c.signedIn('good', 'forgery-target');
    const conn = app.gate.core.registry.byDeviceOf('app1', 'u1', 'forgery-target')!;
    const forged = (data: string) => ({
      appId: 'app1',
      bootId: app.gate.core.bootId,
      deliveries: [
        {
          packet: Buffer.from(
            encodePacket({
              type: PacketType.PACKET_TYPE_MESSAGE,
              requestId: 0,
              code: 0,
              message: '',
              data: Buffer.from(data),
            }),
          ),
          targets: [{ connId: conn.id, epoch: conn.epoch, userId: 'u1', deviceId: 'forgery-target', seq: 0 }],
          message: Buffer.alloc(0),
        },
      ],
    });
    const outsiders = [
      new GateServiceClient(`127.0.0.1:${app.grpcPort}`, credentials.createInsecure()),
      new GateServiceClient(
        `127.0.0.1:${app.grpcPort}`,
        credentials.createInsecure(),
        internalClientOptions('a-guess-of-the-internal-secret-0123456789'),
      ),
    ];
    try {
      for (const outsider of outsiders) {
        const err = await call(outsider, outsider.deliver, forged('forged'), new Metadata(), 5_000).then(
          () => expect.fail('an unauthenticated Deliver was accepted'),
          (e: RpcError) => e,
        );
        expect([err.code, err.message]).toEqual([ErrorCode.ERROR_CODE_UNAUTHENTICATED, 'unauthenticated']);
      }
    } finally {
      for (const outsider of outsiders) outsider.close();
    }
    // With the secret the same call goes through, and it is the first message the connection sees.
    const res = await call(gateClient, gateClient.deliver, forged('genuine'), new Metadata(), 5_000);
    expect(res).toEqual({ delivered: 1, missing: 0 });
    const msg = await c.next((x) => x.type === PacketType.PACKET_TYPE_MESSAGE);
    expect(msg.data.toString()).toBe('genuine');
    c.socket.end();
  });

  it('kicks through GateService with KICKED', async () => {
    const c = await TestClient.open(app.tcpPort);
    await c.signedIn('good', 'kickme');
    const conn = app.gate.core.registry.byDeviceOf('app1', 'u1', 'kickme')!;
    const res = await call(
      gateClient,
      gateClient.kick,
      {
        connId: conn.id,
        epoch: conn.epoch,
        code: ErrorCode.ERROR_CODE_KICKED_BY_ADMIN,
        reason: 'admin',
        appId: 'app1',
        userId: 'u1',
        deviceId: 'kickme',
        bootId: app.gate.core.bootId,
      },
      new Metadata(),
      5_000,
    );
    expect(res.kicked).toBe(true);
    const p = await c.next((x) => x.type === PacketType.PACKET_TYPE_KICKED);
    expect(p).toMatchObject({ code: ErrorCode.ERROR_CODE_KICKED_BY_ADMIN, message: 'admin' });
    await c.whenClosed();
    expect(upstreams.calls['unbind']).toContainEqual(
      expect.objectContaining({ deviceId: 'kickme', epoch: conn.epoch }),
    );
  });

  it('grants tags with SetTags, pushes to none_of expressions and counts them, over gRPC', async () => {
    const c = await TestClient.open(app.tcpPort);
    await c.signedIn('good', 'tagged');
    const conn = app.gate.core.registry.byDeviceOf('app1', 'u1', 'tagged')!;
    const target = { connId: conn.id, epoch: conn.epoch, userId: 'u1', deviceId: 'tagged', seq: 0 };
    const rpc = <Req, Res>(method: (...args: never[]) => unknown, req: Req) =>
      call<Req, Res>(gateClient, method as never, req, new Metadata(), 5_000);
    const set = await rpc(gateClient.setTags, {
      appId: 'app1',
      bootId: app.gate.core.bootId,
      targets: [target, { ...target, deviceId: 'someone-else' }],
      tags: ['vip', 'beta'],
    });
    expect(set).toEqual({ updated: 1, missing: 1 });
    expect(await rpc(gateClient.count, { appId: 'app1', roomId: '', tag: 'vip' })).toMatchObject({
      tagConnections: 1,
      roomSubscribers: 0,
    });
    const pushTo = (expression: { allOf: string[]; anyOf: string[]; noneOf: string[] }, data: string) =>
      rpc<unknown, { delivered: number }>(gateClient.pushTags, {
        appId: 'app1',
        expression,
        packet: Buffer.from(
          encodePacket({
            type: PacketType.PACKET_TYPE_MESSAGE,
            requestId: 0,
            code: 0,
            message: '',
            data: Buffer.from(data),
          }),
        ),
      });
    expect((await pushTo({ allOf: ['vip'], anyOf: [], noneOf: ['beta'] }, 'excluded')).delivered).toBe(0);
    expect((await pushTo({ allOf: [], anyOf: [], noneOf: ['beta'] }, 'no-selection')).delivered).toBe(0);
    expect((await pushTo({ allOf: ['vip'], anyOf: [], noneOf: ['gamma'] }, 'included')).delivered).toBe(1);
    const msg = await c.next((x) => x.type === PacketType.PACKET_TYPE_MESSAGE);
    expect(msg.data.toString()).toBe('included');
    expect(
      await rpc(gateClient.setTags, {
        appId: 'app1',
        bootId: app.gate.core.bootId,
        targets: [target],
        tags: [],
      }),
    ).toEqual({ updated: 1, missing: 0 });
    expect(await rpc(gateClient.count, { appId: 'app1', roomId: '', tag: 'vip' })).toMatchObject({
      tagConnections: 0,
    });
    c.socket.end();
    await c.whenClosed();
  });

  it('refuses Count and SetTags past their bounds with INVALID_ARGUMENT', async () => {
    const refusal = (p: Promise<unknown>) =>
      p.then(
        () => 'accepted',
        (e: RpcError) => e.code,
      );
    const bad = ErrorCode.ERROR_CODE_INVALID_ARGUMENT;
    const count = (roomId: string, tag: string) =>
      refusal(call(gateClient, gateClient.count, { appId: 'app1', roomId, tag }, new Metadata(), 5_000));
    const setTags = (tags: string[]) =>
      refusal(
        call(
          gateClient,
          gateClient.setTags,
          { appId: 'app1', bootId: app.gate.core.bootId, targets: [], tags },
          new Metadata(),
          5_000,
        ),
      );
    expect(await count('r'.repeat(129), '')).toBe(bad);
    expect(await count('', 't'.repeat(65))).toBe(bad);
    expect(await count('r'.repeat(128), 't'.repeat(64))).not.toBe(bad);
    expect(await setTags(Array.from({ length: 33 }, (_, i) => `t${i}`))).toBe(bad);
    expect(await setTags(['t'.repeat(65)])).toBe(bad);
    expect(await setTags([''])).toBe(bad);
    expect(await setTags(Array.from({ length: 32 }, (_, i) => `t${i}`))).not.toBe(bad);
  });

  it('refuses Count and SetTags from a caller without the internal secret (issue 7)', async () => {
    const outsider = new GateServiceClient(`127.0.0.1:${app.grpcPort}`, credentials.createInsecure());
    try {
      for (const attempt of [
        call(outsider, outsider.count, { appId: 'app1', roomId: '', tag: 'vip' }, new Metadata(), 5_000),
        call(
          outsider,
          outsider.setTags,
          { appId: 'app1', bootId: app.gate.core.bootId, targets: [], tags: ['vip'] },
          new Metadata(),
          5_000,
        ),
      ]) {
        const err = await attempt.then(
          () => expect.fail('an unauthenticated call was accepted'),
          (e: RpcError) => e,
        );
        expect([err.code, err.message]).toEqual([ErrorCode.ERROR_CODE_UNAUTHENTICATED, 'unauthenticated']);
      }
    } finally {
      outsider.close();
    }
  });

  it('cuts off a client that stops reading while another keeps receiving', async () => {
    const slow = await TestClient.open(app.tcpPort);
    await slow.signedIn('good', 'slow');
    const fast = await TestClient.open(app.tcpPort);
    await fast.signedIn('good', 'fast');
    slow.socket.pause();
    const before = fast.packets.length;
    const packet = encodePacket({
      type: PacketType.PACKET_TYPE_MESSAGE,
      requestId: 0,
      code: 0,
      message: '',
      data: Buffer.alloc(32 * 1024, 7),
    });
    let sent = 0;
    while (app.gate.core.counters.slowCloses === 0 && sent < 5_000) {
      await call(
        gateClient,
        gateClient.broadcast,
        { appId: 'app1', packet: Buffer.from(packet) },
        new Metadata(),
        5_000,
      );
      sent++;
    }
    expect(app.gate.core.counters.slowCloses).toBe(1);
    expect(closeLogged(ErrorCode.ERROR_CODE_SLOW_CONSUMER)).toBe(true);
    expect(app.gate.core.registry.byDeviceOf('app1', 'u1', 'slow')).toBeUndefined();
    await fast.next(
      () => fast.packets.filter((p) => p.type === PacketType.PACKET_TYPE_MESSAGE).length >= sent,
    );
    expect(fast.packets.length - before).toBeGreaterThanOrEqual(sent);
    await healthy.ping(77);
    slow.socket.destroy();
    fast.socket.end();
  });

  it('serves /healthz, /readyz and /metrics on its health port', async () => {
    const base = `http://127.0.0.1:${app.healthPort}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain(`switchboard_gate_signed_in{gate="${app.gate.id}"}`);
  });

  it('serves Stats', async () => {
    const s = await call(gateClient, gateClient.stats, {}, new Metadata(), 5_000);
    expect(s.gateId).toBe(app.gate.id);
    expect(s.signedIn).toBeGreaterThanOrEqual(1);
    expect(s.slowCloses).toBe(1);
  });
});
