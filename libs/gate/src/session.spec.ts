import {
  ConversationType,
  ErrorCode,
  PacketType,
  SendRequest,
  SendResponse,
  SignInResponse,
} from '@switchboard/proto/client';
import { Metadata, status } from '@grpc/grpc-js';
import { isRetryable } from '@switchboard/protocol';
import { fromServiceError, RpcError } from '@switchboard/rpc';
import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '@switchboard/log';
import { ConnState } from './connection.js';
import { GateCore } from './gate-core.js';
import {
  FakeTransport,
  harness,
  packetBytes,
  settle,
  signInBytes,
  TEST_SETTINGS,
  type Harness,
} from './test-fakes.js';

async function signIn(h: Harness, device = 'd1') {
  const transport = new FakeTransport();
  const conn = h.core.open(transport);
  h.core.receive(conn, signInBytes(1, device));
  await settle();
  h.scheduler.run();
  return { transport, conn };
}

const sendBytes = (requestId: number) =>
  packetBytes(
    PacketType.PACKET_TYPE_SEND,
    requestId,
    SendRequest.encode({ clientMsgId: 'c1', contentType: 'text', content: Buffer.from('hi') }).finish(),
  );

describe('session state machine', () => {
  it('answers HEARTBEAT before sign-in without calling logic', () => {
    const h = harness();
    const t = new FakeTransport();
    const conn = h.core.open(t);
    h.core.receive(conn, packetBytes(PacketType.PACKET_TYPE_HEARTBEAT, 5));
    h.scheduler.run();
    expect(t.packets()).toMatchObject([{ type: PacketType.PACKET_TYPE_HEARTBEAT, requestId: 5, code: 0 }]);
    expect(Object.keys(h.logic.calls)).toEqual([]);
    expect(t.closedWith).toBeUndefined();
  });

  it('closes with NOT_SIGNED_IN when a request arrives before sign-in, and logs it', () => {
    const h = harness();
    const t = new FakeTransport();
    const conn = h.core.open(t);
    h.core.receive(conn, sendBytes(2));
    expect(t.packets()).toMatchObject([
      { type: PacketType.PACKET_TYPE_DISCONNECT, code: ErrorCode.ERROR_CODE_NOT_SIGNED_IN },
    ]);
    expect(t.closedWith?.code).toBe(ErrorCode.ERROR_CODE_NOT_SIGNED_IN);
    expect(h.core.registry.size).toBe(0);
    expect(h.logs.lines).toContainEqual(
      expect.objectContaining({
        msg: 'connection closed',
        conn: conn.id,
        remote: '10.0.0.1:5555',
        code: 203,
      }),
    );
  });

  it('signs in through logic, records the session and answers SignInResponse', async () => {
    const h = harness();
    const { transport, conn } = await signIn(h);
    expect(h.logic.calls['signIn']).toEqual([
      expect.objectContaining({ gateId: 'gate-test', connId: conn.id, remoteAddress: '10.0.0.1:5555' }),
    ]);
    const [reply] = transport.packets();
    expect(reply).toMatchObject({ type: PacketType.PACKET_TYPE_SIGN_IN, requestId: 1, code: 0 });
    const body = SignInResponse.decode(reply!.data);
    expect(body).toMatchObject({ userId: 'u1', deviceId: 'd1', maxSeq: 3, heartbeatIntervalMs: 30_000 });
    expect(body.serverTime).toBe(h.clock.t);
    expect(conn.state).toBe(ConnState.SignedIn);
    expect(conn.epoch).toBe(7);
    expect(h.core.registry.byDeviceOf('app1', 'u1', 'd1')).toBe(conn);
  });

  it('answers a second SIGN_IN with ALREADY_SIGNED_IN and stays open', async () => {
    const h = harness();
    const { transport, conn } = await signIn(h);
    h.core.receive(conn, signInBytes(2));
    h.scheduler.run();
    expect(transport.packets()[1]).toMatchObject({
      requestId: 2,
      code: ErrorCode.ERROR_CODE_ALREADY_SIGNED_IN,
    });
    expect(transport.closedWith).toBeUndefined();
    expect(h.logic.calls['signIn']).toHaveLength(1);
  });

  it("sends DISCONNECT with logic's code and closes when sign-in is refused", async () => {
    const h = harness();
    h.logic.signInError = new RpcError(ErrorCode.ERROR_CODE_TOKEN_EXPIRED, 'token expired');
    const t = new FakeTransport();
    const conn = h.core.open(t);
    h.core.receive(conn, signInBytes(1));
    await settle();
    expect(t.packets()).toMatchObject([
      {
        type: PacketType.PACKET_TYPE_DISCONNECT,
        code: ErrorCode.ERROR_CODE_TOKEN_EXPIRED,
        message: 'token expired',
      },
    ]);
    expect(t.closedWith?.code).toBe(ErrorCode.ERROR_CODE_TOKEN_EXPIRED);
    expect(h.route.calls['unbind']).toBeUndefined();
  });

  it('renews the lease at once and tries once more when route does not know this gate process', async () => {
    const h = harness();
    let renewals = 0;
    h.core.renewLeaseNow = async () => {
      renewals++;
      h.logic.signInError = undefined; // the renewal registered the gate: route binds again
    };
    h.logic.signInError = new RpcError(ErrorCode.ERROR_CODE_GATE_RESET, 'gate holds no live lease');
    const t = new FakeTransport();
    const conn = h.core.open(t);
    h.core.receive(conn, signInBytes(1));
    await settle();
    await settle();
    h.scheduler.run();
    expect(renewals).toBe(1);
    expect(h.logic.calls['signIn']).toHaveLength(2);
    expect(h.logic.calls['signIn']?.[0]).toMatchObject({ gateId: 'gate-test', gateBootId: h.core.bootId });
    expect(conn.signedIn).toBe(true);
    expect(t.packets()).toMatchObject([{ type: PacketType.PACKET_TYPE_SIGN_IN, requestId: 1, code: 0 }]);
  });

  it('closes with GATE_RESET (reconnect) when the retry after a renewal fails the same way', async () => {
    const h = harness();
    h.core.renewLeaseNow = async () => {};
    h.logic.signInError = new RpcError(ErrorCode.ERROR_CODE_GATE_RESET, 'gate holds no live lease');
    const t = new FakeTransport();
    const conn = h.core.open(t);
    h.core.receive(conn, signInBytes(1));
    await settle();
    await settle();
    expect(h.logic.calls['signIn']).toHaveLength(2);
    expect(t.closedWith?.code).toBe(ErrorCode.ERROR_CODE_GATE_RESET);
  });

  it('answers RATE_LIMITED at once past maxInflightRequests, and admits again as answers come', async () => {
    const h = harness({ maxInflightRequests: 2, rateLimit: { packetsPerSecond: 100, burst: 100 } });
    const t = new FakeTransport();
    const conn = h.core.open(t);
    h.core.receive(conn, signInBytes(1));
    await settle();
    h.scheduler.run();
    let release!: () => void;
    h.logic.sendGate = new Promise<void>((resolve) => (release = resolve));
    const sendBytes = (id: number) =>
      packetBytes(
        PacketType.PACKET_TYPE_SEND,
        id,
        SendRequest.encode({
          clientMsgId: `m${id}`,
          conversation: { type: ConversationType.CONVERSATION_TYPE_USER, id: 'u2' },
          contentType: 'text',
          content: Buffer.from('x'),
        }).finish(),
      );
    for (const id of [2, 3, 4]) h.core.receive(conn, sendBytes(id));
    h.scheduler.run();
    // The third found two requests waiting on logic: refused now, not queued to its deadline.
    expect(t.packets().slice(1)).toMatchObject([{ requestId: 4, code: ErrorCode.ERROR_CODE_RATE_LIMITED }]);
    expect(h.logic.calls['send']).toHaveLength(2);
    expect(h.core.admission.inflight).toBe(2);
    release();
    await settle();
    h.scheduler.run();
    expect(h.core.admission.inflight).toBe(0);
    h.core.receive(conn, sendBytes(5));
    await settle();
    h.scheduler.run();
    expect(t.packets().at(-1)).toMatchObject({ requestId: 5, code: 0 });
    expect(h.core.counters.busyRejections).toBe(1);
    expect(conn.closed).toBe(false);
  });

  it('logs an upstream outage that fails every close once per interval, with a count, not once per connection', async () => {
    const h = harness();
    h.route.unbind = () => Promise.reject(new RpcError(ErrorCode.ERROR_CODE_PERMISSION_DENIED, 'refused'));
    const conns = [];
    for (let i = 0; i < 50; i++) {
      const conn = h.core.open(new FakeTransport());
      h.core.receive(conn, signInBytes(1, `d${i}`));
      conns.push(conn);
    }
    await settle();
    for (const conn of conns) h.core.transportClosed(conn);
    await settle();
    const lines = h.logs.lines.filter((l) => l['msg'] === 'route Unbind failed');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ count: 1 });
  });

  it('indexes the tags logic granted, never the ones the client declared', async () => {
    const h = harness();
    h.logic.grantedTags = ['vip'];
    const t = new FakeTransport();
    const conn = h.core.open(t);
    h.core.receive(conn, signInBytes(1, 'd1', ['admin', 'beta']));
    await settle();
    expect([...(conn.tags ?? [])]).toEqual(['vip']);
  });

  it('closes with INVALID_PACKET on a payload that is not valid protobuf', () => {
    const h = harness();
    const t = new FakeTransport();
    const conn = h.core.open(t);
    h.core.receive(conn, packetBytes(PacketType.PACKET_TYPE_SIGN_IN, 1, Buffer.from([0xff, 0xff, 0xff])));
    expect(t.closedWith?.code).toBe(ErrorCode.ERROR_CODE_INVALID_PACKET);
    expect(h.logic.calls['signIn']).toBeUndefined();
  });

  it('closes with INVALID_PACKET on bytes that are not a Packet', () => {
    const h = harness();
    const t = new FakeTransport();
    h.core.receive(h.core.open(t), Buffer.from([0x00, 0x01, 0x02]));
    expect(t.closedWith?.code).toBe(ErrorCode.ERROR_CODE_INVALID_PACKET);
  });

  it('forwards SEND with the recorded session and answers with the same request id', async () => {
    const h = harness();
    const { transport, conn } = await signIn(h);
    h.core.receive(conn, sendBytes(42));
    await settle();
    h.scheduler.run();
    expect(h.logic.calls['send']).toEqual([
      expect.objectContaining({
        session: {
          appId: 'app1',
          userId: 'u1',
          deviceId: 'd1',
          gateId: 'gate-test',
          connId: conn.id,
          epoch: 7,
        },
        request: expect.objectContaining({ clientMsgId: 'c1' }),
      }),
    ]);
    const reply = transport.packets()[1]!;
    expect(reply).toMatchObject({ type: PacketType.PACKET_TYPE_SEND, requestId: 42, code: 0 });
    expect(SendResponse.decode(reply.data)).toMatchObject({ messageId: 11, seq: 12 });
  });

  it('refuses sends itself for busyBackoffMs after logic answered one RATE_LIMITED', async () => {
    const h = harness({ busyBackoffMs: 100, rateLimit: { packetsPerSecond: 100, burst: 100 } });
    const { transport, conn } = await signIn(h);
    h.logic.sendError = new RpcError(ErrorCode.ERROR_CODE_RATE_LIMITED, 'server busy');
    h.core.receive(conn, sendBytes(2));
    await settle();
    h.scheduler.run();
    h.logic.sendError = undefined;
    // Within the back-off: answered here, logic not called.
    h.clock.t += 99;
    h.core.receive(conn, sendBytes(3));
    await settle();
    h.scheduler.run();
    expect(h.logic.calls['send']).toHaveLength(1);
    expect(h.core.counters.busyRejections).toBe(1);
    // Once it has passed: forwarded again.
    h.clock.t += 1;
    h.core.receive(conn, sendBytes(4));
    await settle();
    h.scheduler.run();
    expect(h.logic.calls['send']).toHaveLength(2);
    expect(transport.packets().slice(1)).toMatchObject([
      { requestId: 2, code: ErrorCode.ERROR_CODE_RATE_LIMITED },
      { requestId: 3, code: ErrorCode.ERROR_CODE_RATE_LIMITED },
      { requestId: 4, code: 0 },
    ]);
    expect(conn.closed).toBe(false);
  });

  it('halves the sends it lets out after logic refused one, and raises it again as sends succeed', async () => {
    const h = harness({
      maxInflightRequests: 64,
      busyBackoffMs: 100,
      rateLimit: { packetsPerSecond: 1000, burst: 1000 },
    });
    const { conn } = await signIn(h);
    h.logic.sendError = new RpcError(ErrorCode.ERROR_CODE_RATE_LIMITED, 'server busy');
    h.core.receive(conn, sendBytes(2));
    await settle();
    h.logic.sendError = undefined;
    expect(h.core.admission.sendLimit).toBe(32);
    h.clock.t += 100;
    let release!: () => void;
    h.logic.sendGate = new Promise<void>((resolve) => (release = resolve));
    for (let id = 3; id < 3 + 33; id++) h.core.receive(conn, sendBytes(id));
    // 32 go out; the 33rd is refused here.
    expect(h.core.admission.inflightSends).toBe(32);
    expect(h.logic.calls['send']).toHaveLength(1 + 32);
    expect(h.core.counters.busyRejections).toBe(1);
    release();
    await settle();
    h.scheduler.run();
    expect(h.core.admission.inflightSends).toBe(0);
    // 32 successes add about one: 1/32 + 1/32.03 + ...
    expect(h.core.admission.sendLimit).toBeGreaterThan(32.9);
    expect(h.core.admission.sendLimit).toBeLessThan(33);
    expect(conn.closed).toBe(false);
  });

  it("puts logic's error code and message in the response unchanged and stays open", async () => {
    const h = harness();
    const { transport, conn } = await signIn(h);
    h.logic.sendError = new RpcError(ErrorCode.ERROR_CODE_NOT_GROUP_MEMBER, 'not a member');
    h.core.receive(conn, sendBytes(9));
    await settle();
    h.scheduler.run();
    expect(transport.packets()[1]).toMatchObject({
      requestId: 9,
      code: ErrorCode.ERROR_CODE_NOT_GROUP_MEMBER,
      message: 'not a member',
    });
    expect(transport.closedWith).toBeUndefined();
  });

  it('answers an internal size limit with non-retryable PAYLOAD_TOO_LARGE, logs the detail, shows none', async () => {
    const h = harness();
    const { transport, conn } = await signIn(h);
    const detail = 'Received message larger than max (7208417 vs 4194304)';
    h.logic.sendError = fromServiceError(
      Object.assign(new Error(`8 RESOURCE_EXHAUSTED: ${detail}`), {
        code: status.RESOURCE_EXHAUSTED,
        details: detail,
        metadata: new Metadata(),
      }),
    );
    h.core.receive(conn, sendBytes(9));
    await settle();
    h.scheduler.run();
    const reply = transport.packets()[1]!;
    expect(reply).toMatchObject({ requestId: 9, code: ErrorCode.ERROR_CODE_PAYLOAD_TOO_LARGE });
    expect(isRetryable(reply.code)).toBe(false);
    expect(reply.message).not.toContain('max');
    expect(h.logs.lines).toContainEqual(
      expect.objectContaining({
        msg: 'request failed unexpectedly',
        detail: expect.stringContaining(detail),
      }),
    );
    expect(transport.closedWith).toBeUndefined();
  });

  it('answers an unknown packet type with UNKNOWN_PACKET_TYPE and stays open', async () => {
    const h = harness();
    const { transport, conn } = await signIn(h);
    h.core.receive(conn, packetBytes(99 as PacketType, 3));
    h.core.receive(conn, packetBytes(PacketType.PACKET_TYPE_MESSAGE, 4));
    h.scheduler.run();
    expect(transport.packets().slice(1)).toMatchObject([
      { requestId: 3, code: ErrorCode.ERROR_CODE_UNKNOWN_PACKET_TYPE },
      { requestId: 4, code: ErrorCode.ERROR_CODE_UNKNOWN_PACKET_TYPE },
    ]);
    expect(transport.closedWith).toBeUndefined();
  });

  it('unbinds with the returned epoch when the connection closed while sign-in was in flight', async () => {
    const h = harness();
    let release!: () => void;
    h.logic.signInGate = new Promise((r) => (release = r));
    const t = new FakeTransport();
    const conn = h.core.open(t);
    h.core.receive(conn, signInBytes(1));
    h.core.transportClosed(conn);
    release();
    await settle();
    expect(h.route.calls['unbind']).toEqual([{ appId: 'app1', userId: 'u1', deviceId: 'd1', epoch: 7 }]);
    expect(h.core.registry.size).toBe(0);
    expect(h.core.registry.byDeviceOf('app1', 'u1', 'd1')).toBeUndefined();
    expect(t.writes).toEqual([]);
  });

  it('retries an Unbind that found route unreachable, and gives up on other errors', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    try {
      const h = harness();
      const { conn } = await signIn(h);
      let failures = 2;
      const unbind = h.route.unbind;
      h.route.unbind = (r: unknown) =>
        failures-- > 0
          ? (unbind(r), Promise.reject(new RpcError(ErrorCode.ERROR_CODE_UNAVAILABLE, 'route down')))
          : unbind(r);
      h.core.transportClosed(conn);
      await vi.advanceTimersByTimeAsync(5_000);
      expect(h.route.calls['unbind']).toHaveLength(3); // two failures, then success
      const second = await signIn(h, 'd2');
      h.route.unbind = (r: unknown) => (
        unbind(r),
        Promise.reject(new RpcError(ErrorCode.ERROR_CODE_INVALID_ARGUMENT, 'no'))
      );
      h.core.transportClosed(second.conn);
      await vi.advanceTimersByTimeAsync(10_000);
      expect(h.route.calls['unbind']).toHaveLength(4); // not retried
      expect(h.logs.lines.some((l) => l['msg'] === 'route Unbind failed' && l['attempts'] === 1)).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('unbinds and tells logic when a signed-in connection closes', async () => {
    const h = harness();
    const { conn } = await signIn(h);
    h.core.transportClosed(conn);
    expect(h.route.calls['unbind']).toEqual([{ appId: 'app1', userId: 'u1', deviceId: 'd1', epoch: 7 }]);
    expect(h.logic.calls['disconnect']).toEqual([expect.objectContaining({ code: 0 })]);
    expect(h.core.registry.signedInCount).toBe(0);
  });

  it('kicks the older local connection of the same device when it signs in again', async () => {
    const h = harness();
    const first = await signIn(h);
    h.logic.epoch = 8;
    const second = await signIn(h);
    expect(first.transport.packets().at(-1)).toMatchObject({
      type: PacketType.PACKET_TYPE_KICKED,
      code: ErrorCode.ERROR_CODE_SIGNED_IN_ELSEWHERE,
    });
    expect(second.transport.closedWith).toBeUndefined();
    expect(h.core.registry.byDeviceOf('app1', 'u1', 'd1')).toBe(second.conn);
  });
});

describe('rate limit', () => {
  it('closes with FLOOD past the burst and counts it', () => {
    const h = harness({ rateLimit: { packetsPerSecond: 1, burst: 3 } });
    const t = new FakeTransport();
    const conn = h.core.open(t);
    for (let i = 1; i <= 3; i++) h.core.receive(conn, packetBytes(PacketType.PACKET_TYPE_HEARTBEAT, i));
    expect(t.closedWith).toBeUndefined();
    h.core.receive(conn, packetBytes(PacketType.PACKET_TYPE_HEARTBEAT, 4));
    expect(t.closedWith?.code).toBe(ErrorCode.ERROR_CODE_FLOOD);
    expect(h.core.counters.floodCloses).toBe(1);
    // The three heartbeats queued before the flood were flushed ahead of the DISCONNECT.
    expect(t.packets().map((p) => p.requestId)).toEqual([1, 2, 3, 0]);
  });

  it('refills tokens over time', () => {
    const h = harness({ rateLimit: { packetsPerSecond: 2, burst: 2 } });
    const t = new FakeTransport();
    const conn = h.core.open(t);
    h.core.receive(conn, packetBytes(PacketType.PACKET_TYPE_HEARTBEAT, 1));
    h.core.receive(conn, packetBytes(PacketType.PACKET_TYPE_HEARTBEAT, 2));
    h.clock.t += 500;
    h.core.receive(conn, packetBytes(PacketType.PACKET_TYPE_HEARTBEAT, 3));
    expect(t.closedWith).toBeUndefined();
    h.core.receive(conn, packetBytes(PacketType.PACKET_TYPE_HEARTBEAT, 4));
    expect(t.closedWith?.code).toBe(ErrorCode.ERROR_CODE_FLOOD);
  });
});

describe('timeouts on the shared wheel', () => {
  it('closes with SIGN_IN_TIMEOUT when no sign-in arrives in time', () => {
    const h = harness();
    const t = new FakeTransport();
    h.core.open(t);
    h.clock.t += 9_000;
    h.core.tick();
    expect(t.closedWith).toBeUndefined();
    h.clock.t += 2_000;
    h.core.tick();
    expect(t.closedWith?.code).toBe(ErrorCode.ERROR_CODE_SIGN_IN_TIMEOUT);
    expect(t.packets()).toMatchObject([{ type: PacketType.PACKET_TYPE_DISCONNECT, code: 204 }]);
  });

  it('fires on the first wall-clock tick at or after the deadline, whatever the clock reads', () => {
    // The core keeps connection times relative to its start; deadlines must not move.
    for (const start of [1_795_325_340_123, 1_795_325_340_000, 999]) {
      const h = harness();
      h.clock.t = start;
      const core = new GateCore({
        gateId: 'gate-test',
        settings: TEST_SETTINGS,
        logic: h.logic,
        route: h.route,
        logger: createLogger({ level: 'silent', service: 'gate' }),
        clock: h.clock,
        schedule: h.scheduler.schedule,
      });
      const t = new FakeTransport();
      core.open(t);
      const due = start + TEST_SETTINGS.signInTimeoutMs;
      const firstTickAtOrAfter = Math.ceil(due / 1000) * 1000;
      core.tick(firstTickAtOrAfter - 1);
      expect(t.closedWith).toBeUndefined();
      core.tick(firstTickAtOrAfter);
      expect(t.closedWith?.code).toBe(ErrorCode.ERROR_CODE_SIGN_IN_TIMEOUT);
    }
  });

  it('heartbeats before sign-in do not extend the sign-in deadline', () => {
    const h = harness();
    const t = new FakeTransport();
    const conn = h.core.open(t);
    h.clock.t += 8_000;
    h.core.receive(conn, packetBytes(PacketType.PACKET_TYPE_HEARTBEAT, 1));
    h.clock.t += 3_000;
    h.core.tick();
    expect(t.closedWith?.code).toBe(ErrorCode.ERROR_CODE_SIGN_IN_TIMEOUT);
  });

  it('keeps an active connection and closes it after heartbeatTimeoutMs of silence', async () => {
    const h = harness();
    const { transport, conn } = await signIn(h);
    // Activity every 60s keeps it alive past several 90s deadlines (lazily re-bucketed).
    for (let i = 0; i < 4; i++) {
      h.clock.t += 60_000;
      h.core.receive(conn, packetBytes(PacketType.PACKET_TYPE_HEARTBEAT, 10 + i));
      h.core.tick();
    }
    expect(transport.closedWith).toBeUndefined();
    h.clock.t += 89_000;
    h.core.tick();
    expect(transport.closedWith).toBeUndefined();
    h.clock.t += 2_000;
    h.core.tick();
    expect(transport.closedWith?.code).toBe(ErrorCode.ERROR_CODE_HEARTBEAT_TIMEOUT);
    expect(h.route.calls['unbind']).toHaveLength(1);
  });
});
