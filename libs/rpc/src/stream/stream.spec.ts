import {
  Metadata,
  Server,
  ServerCredentials,
  status,
  type sendUnaryData,
  type ServerUnaryCall,
} from '@grpc/grpc-js';
import { ErrorCode } from '@switchboard/proto/client';
import {
  GateServiceClient,
  GateServiceService,
  KickRequest,
  type KickResponse,
  StatsResponse,
  type StatsRequest,
} from '@switchboard/proto/conn';
import { SwitchboardError } from '@switchboard/protocol';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { balancedChannel, type BalancedChannelOptions } from '../balanced-channel.js';
import { call } from '../call.js';
import { RpcError } from '../rpc-error.js';
import { startGrpcServer, type StartedServer } from '../server.js';
import { isMethodMissing } from '../tick-gatherer.js';
import { unary } from '../unary.js';
import { encodeRequest } from './frame-codec.js';
import { streamedClient, type StreamedClientOptions } from './stream-client.js';
import { streamStats } from './stream-stats.js';
import { openRawExchange } from './stream-test-support.js';

const SECRET = 'stream-spec-internal-secret-0123456789abcdef';

/** A promise and the function that settles it: a handler held until a test lets it answer. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

const until = async (cond: () => boolean): Promise<void> => {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
};

interface Behaviour {
  /** Kick requests (by connId) held until released. */
  held: Map<number, Promise<void>>;
  /** Requests the server saw, by method. */
  seen: { kick: number; stats: number };
  /** When set, every request waits for this. */
  hang?: Promise<void> | undefined;
  statsBytes: number;
}

function gateService(b: Behaviour) {
  const kick = unary<KickRequest, KickResponse>(async (req) => {
    b.seen.kick++;
    if (b.hang) await b.hang;
    await b.held.get(req.connId);
    if (req.connId === 2) throw new RpcError(ErrorCode.ERROR_CODE_NOT_FOUND, 'no such connection');
    if (req.connId === 7)
      throw new RpcError(ErrorCode.ERROR_CODE_INVALID_ARGUMENT, 'bad reason', { field: 'reason' });
    if (req.connId === 8)
      throw new SwitchboardError(ErrorCode.ERROR_CODE_USER_NOT_FOUND, 'no such user', { field: 'user_id' });
    if (req.connId === 6)
      throw Object.assign(new Error('connect ECONNREFUSED 10.0.0.9:6379'), { code: 'ECONNREFUSED' });
    if (req.connId === 9) throw new Error('boom with secret details');
    return { kicked: req.reason.length > 0 };
  });
  return {
    definition: GateServiceService,
    implementation: {
      // connId 10 throws before any promise: grpc-js answers a handler that throws UNKNOWN.
      kick: (call: ServerUnaryCall<KickRequest, KickResponse>, cb: sendUnaryData<KickResponse>) => {
        if (call.request.connId === 10) throw new Error('sync boom');
        kick(call, cb);
      },
      stats: unary<StatsRequest, StatsResponse>(async () => {
        b.seen.stats++;
        if (b.hang) await b.hang;
        return StatsResponse.fromPartial({ gateId: 'x'.repeat(b.statsBytes) });
      }),
    },
  };
}

const behaviour = (): Behaviour => ({ held: new Map(), seen: { kick: 0, stats: 0 }, statsBytes: 1 });

const servers: StartedServer[] = [];
const clients: Array<{ close(): void }> = [];

async function serve(b: Behaviour, extra: { streamMaxAgeMs?: number; observe?: (m: string) => void } = {}) {
  const s = await startGrpcServer('127.0.0.1', 0, [gateService(b)], {
    secret: SECRET,
    streamMaxAgeMs: extra.streamMaxAgeMs,
    ...(extra.observe ? { observe: (m: string) => extra.observe!(m) } : {}),
  });
  servers.push(s);
  return s;
}

function clientsFor(
  ports: number[],
  channelOptions: Partial<BalancedChannelOptions> = {},
  options: StreamedClientOptions = {},
) {
  const channel = balancedChannel(
    ports.map((p) => `127.0.0.1:${p}`),
    { secret: SECRET, ...channelOptions },
  );
  const unaryClient = new GateServiceClient(channel.target, channel.credentials, channel.options);
  const streamed = streamedClient(GateServiceService, unaryClient, {
    retryable: channelOptions.retryable,
    ...options,
  });
  clients.push(streamed);
  return { unary: unaryClient, streamed };
}

/** What a caller can tell of a call's outcome. */
async function outcome<T>(p: Promise<T>) {
  try {
    return { ok: await p };
  } catch (err) {
    const e = err as RpcError;
    return { name: e.name, code: e.code, message: e.message, field: e.field };
  }
}

const kick = (client: GateServiceClient, connId: number, timeoutMs = 5_000, reason = 'r') =>
  call(client, client.kick, KickRequest.fromPartial({ connId, reason }), new Metadata(), timeoutMs);
const stats = (client: GateServiceClient, timeoutMs = 5_000) =>
  call(client, client.stats, {}, new Metadata(), timeoutMs);

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all(servers.splice(0).map((s) => s.stop(100)));
});
afterAll(() => undefined);

describe('internal streams', () => {
  it('answer every call as its unary call would: responses and the same RpcErrors', async () => {
    const observed: string[] = [];
    const s = await serve(behaviour(), { observe: (m) => observed.push(m) });
    const { unary: u, streamed } = clientsFor([s.port]);
    for (const connId of [1, 2, 7, 8, 6, 9, 10]) {
      const viaUnary = await outcome(kick(u, connId));
      const viaStream = await outcome(kick(streamed, connId));
      expect(viaStream, `connId ${connId}`).toEqual(viaUnary);
    }
    expect((await outcome(kick(streamed, 10))).code).toBe(ErrorCode.ERROR_CODE_INTERNAL);
    expect((await outcome(kick(streamed, 7))).field).toBe('reason');
    // The per-method latency metric counts frames as it counts calls (16), except those whose
    // handler threw (3), which it misses on a unary call as well.
    expect(observed.filter((m) => m === 'Kick')).toHaveLength(13);
  });

  it('answer a method the server lacks as the unary call does, so TickGatherer falls back', async () => {
    const s = await startGrpcServer(
      '127.0.0.1',
      0,
      [
        {
          definition: GateServiceService,
          implementation: { kick: gateService(behaviour()).implementation.kick },
        },
      ],
      { secret: SECRET },
    );
    servers.push(s);
    const { unary: u, streamed } = clientsFor([s.port]);
    const errors: unknown[] = [];
    for (const client of [u, streamed]) await stats(client).catch((err: unknown) => errors.push(err));
    expect(errors).toHaveLength(2);
    expect(errors.map(isMethodMissing)).toEqual([true, true]);
    expect(await outcome(stats(streamed))).toEqual(await outcome(stats(u)));
  });

  it('refuse a wrong internal secret on both paths with the same error', async () => {
    const s = await serve(behaviour());
    const { unary: u, streamed } = clientsFor([s.port], {
      secret: 'a-wrong-secret-of-enough-length-0123456789',
    });
    const viaUnary = await outcome(kick(u, 1));
    const viaStream = await outcome(kick(streamed, 1));
    expect(viaUnary.name).toBe('InternalAuthRefusedError');
    expect(viaStream).toEqual(viaUnary);
  });

  it('answers by id in whatever order the handlers finish', async () => {
    const b = behaviour();
    const first = gate();
    b.held.set(100, first.wait);
    const s = await serve(b);
    const { streamed } = clientsFor([s.port], {}, { streams: 1 });
    const slow = kick(streamed, 100);
    const fast = kick(streamed, 101, 5_000, '');
    expect(await fast).toEqual({ kicked: false });
    first.open();
    expect(await slow).toEqual({ kicked: true });
  });

  it('fails an overdue call with TIMEOUT from the sweep', async () => {
    const b = behaviour();
    const never = gate();
    b.held.set(200, never.wait);
    const s = await serve(b);
    const { streamed } = clientsFor([s.port]);
    const before = streamStats.answered.deadline;
    const r = await outcome(kick(streamed, 200, 50));
    expect(r.code).toBe(ErrorCode.ERROR_CODE_TIMEOUT);
    expect(streamStats.answered.deadline).toBe(before + 1);
    // The stream is still good.
    expect(await kick(streamed, 1)).toEqual({ kicked: true });
    never.open();
  });

  it('resends retryable calls when a server dies mid-flight; fails the others UNAVAILABLE', async () => {
    const a = behaviour();
    const b = behaviour();
    const sa = await serve(a);
    const sb = await serve(b);
    const { unary: u, streamed } = clientsFor(
      [sa.port, sb.port],
      { retryable: [GateServiceService.stats] },
      { streams: 2 },
    );
    // Both connections up first (round-robin unary calls reach each), so the two streams open on
    // the two servers.
    while (a.seen.stats === 0 || b.seen.stats === 0) await stats(u);
    const hold = gate();
    a.hang = hold.wait;
    const seen = { ...a.seen };
    const resentBefore = streamStats.framesResent;
    const statsCalls = [outcome(stats(streamed)), outcome(stats(streamed))];
    const kickCalls = [outcome(kick(streamed, 1)), outcome(kick(streamed, 1))];
    await until(() => a.seen.stats === seen.stats + 1 && a.seen.kick === seen.kick + 1);
    sa.server.forceShutdown();
    const statsResults = await Promise.all(statsCalls);
    const kickResults = await Promise.all(kickCalls);
    expect(statsResults.every((r) => 'ok' in r)).toBe(true);
    expect(kickResults.filter((r) => 'ok' in r)).toHaveLength(1);
    expect(kickResults.filter((r) => r.code === ErrorCode.ERROR_CODE_UNAVAILABLE)).toHaveLength(1);
    expect(streamStats.framesResent).toBeGreaterThan(resentBefore);
    hold.open();
  });

  it('falls back to unary calls against a server without the stream service', async () => {
    const server = new Server();
    server.addService(gateService(behaviour()).definition, gateService(behaviour()).implementation);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    const { streamed } = clientsFor([port]);
    const before = streamStats.unary.unimplemented;
    expect(await kick(streamed, 1)).toEqual({ kicked: true });
    expect(await outcome(kick(streamed, 2))).toMatchObject({ code: ErrorCode.ERROR_CODE_NOT_FOUND });
    expect(streamStats.unary.unimplemented).toBeGreaterThanOrEqual(before + 2);
    server.forceShutdown();
  });

  it('moves to new streams at max age without failing a call', async () => {
    const s = await serve(behaviour(), { streamMaxAgeMs: 100 });
    const { streamed } = clientsFor([s.port]);
    const opened = streamStats.clientStreamsOpened;
    const results: Array<Promise<unknown>> = [];
    while (streamStats.clientStreamsOpened < opened + 6) {
      for (let i = 0; i < 5; i++) results.push(kick(streamed, 1));
      await new Promise((r) => setTimeout(r, 10));
    }
    const all = await Promise.all(results.map(outcome));
    expect(all.every((r) => 'ok' in r)).toBe(true);
  });

  it('answers the calls in flight when the server stops, without waiting for its grace', async () => {
    const b = behaviour();
    const held = gate();
    b.held.set(100, held.wait);
    const s = await serve(b);
    const { streamed } = clientsFor([s.port]);
    const inFlight = kick(streamed, 100, 60_000);
    await until(() => b.seen.kick === 1);
    // The drain makes the client end its stream once answered, so the stop need not force it.
    const stopped = s.stop(120_000);
    held.open();
    expect(await inFlight).toEqual({ kicked: true });
    await stopped;
  });

  it('spreads its streams again over an instance that comes back', async () => {
    const a = behaviour();
    const b = behaviour();
    const sa = await serve(a);
    let sb = await serve(b);
    const { streamed } = clientsFor([sa.port, sb.port], {}, { streams: 2, backends: 2 });
    sb.server.forceShutdown();
    for (let i = 0; i < 5; i++) await kick(streamed, 1);
    const back = behaviour();
    sb = await startGrpcServer('127.0.0.1', sb.port, [gateService(back)], { secret: SECRET });
    servers.push(sb);
    while (back.seen.kick === 0) {
      await kick(streamed, 1);
      await new Promise((r) => setTimeout(r, 20));
    }
  });

  it('answers every call when frames queue behind a full stream', async () => {
    const b = behaviour();
    b.statsBytes = 128 * 1024;
    const s = await serve(b);
    const { streamed } = clientsFor([s.port], {}, { streams: 1 });
    const reason = 'y'.repeat(200 * 1024);
    const calls: Array<Promise<unknown>> = [];
    for (let i = 0; i < 60; i++) {
      calls.push(kick(streamed, 1, 30_000, reason));
      calls.push(stats(streamed, 30_000));
    }
    const all = await Promise.all(calls);
    expect(all.filter((r) => (r as KickResponse).kicked === true)).toHaveLength(60);
    expect(all.filter((r) => (r as StatsResponse).gateId?.length === 128 * 1024)).toHaveLength(60);
  });

  it('sends a request over 1 MiB as a unary call', async () => {
    const s = await serve(behaviour());
    const { streamed } = clientsFor([s.port]);
    const before = streamStats.unary.large;
    expect(await kick(streamed, 1, 5_000, 'z'.repeat(1024 * 1024 + 1))).toEqual({ kicked: true });
    expect(streamStats.unary.large).toBe(before + 1);
  });

  it('sends a call that carries metadata as a unary call, since frames carry none', async () => {
    const s = await serve(behaviour());
    const { streamed } = clientsFor([s.port]);
    const before = streamStats.unary.metadata;
    const md = new Metadata();
    md.set('x-trace-id', 'abc');
    const req = KickRequest.fromPartial({ connId: 1, reason: 'r' });
    expect(await call(streamed, streamed.kick, req, md, 5_000)).toEqual({ kicked: true });
    expect(streamStats.unary.metadata).toBe(before + 1);
    // Without metadata the call rides on a stream.
    expect(await kick(streamed, 1)).toEqual({ kicked: true });
    expect(streamStats.unary.metadata).toBe(before + 1);
  });
});

describe('the stream server, from a raw client', () => {
  it('answers bad frames by id and stays up', async () => {
    const s = await serve(behaviour());
    const raw = openRawExchange(s.port, SECRET);
    clients.push(raw.client);
    const stream = raw.stream;
    const replies = {
      get: (id: number) => raw.replies.find((r) => r.id === id),
      get size() {
        return raw.replies.length;
      },
    };
    const kickPath = Buffer.from(GateServiceService.kick.path);
    const good = Buffer.from(
      KickRequest.encode(KickRequest.fromPartial({ connId: 1, reason: 'r' })).finish(),
    );
    stream.write(encodeRequest(1, kickPath, Buffer.from([0x0a, 0xff, 0x01]), 0));
    stream.write(encodeRequest(2, Buffer.from('/nope.v1.Nope/Nothing'), good, 0));
    stream.write(encodeRequest(3, kickPath, good, -5));
    stream.write(encodeRequest(4, kickPath, good, Date.now() - 1_000));
    stream.write(Buffer.from([0xff, 0xff, 0xff]));
    stream.write(encodeRequest(5, kickPath, good, 0));
    stream.write(encodeRequest(6, kickPath, good, Date.now() + 5_000));
    await until(() => replies.size === 6);
    expect(replies.get(1)).toMatchObject({ status: status.INVALID_ARGUMENT });
    expect(new Map(replies.get(1)!.metadata).get('sb-code')).toBe(
      String(ErrorCode.ERROR_CODE_INVALID_ARGUMENT),
    );
    expect(replies.get(2)).toMatchObject({ status: status.UNIMPLEMENTED });
    expect(replies.get(3)).toMatchObject({ status: status.DEADLINE_EXCEEDED });
    expect(replies.get(4)).toMatchObject({ status: status.DEADLINE_EXCEEDED });
    expect(replies.get(5)).toMatchObject({ status: 0 });
    expect(replies.get(6)).toMatchObject({ status: 0 });
    stream.end();
  });
});
