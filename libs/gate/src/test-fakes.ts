// Fakes for the gate's unit specs (not exported from the package).
import { type ErrorCode, Packet, PacketType, SignInRequest } from '@switchboard/proto/client';
import type { SignInRequest as LogicSignInRequest, SignInResponse } from '@switchboard/proto/logic';
import type { RebindGateRequest } from '@switchboard/proto/route';
import { createLogger, memoryDestination, type MemoryDestination } from '@switchboard/log';
import { type RpcError } from '@switchboard/rpc';
import { decodePacket, packetFromJson } from '@switchboard/protocol';
import type { Clock } from './clock.js';
import type { Connection } from './connection.js';
import { GateCore } from './gate-core.js';
import type { GateRoutePort, LogicPort } from './ports.js';
import type { GateSettings } from './settings.js';
import { isJsonFormat, WireFormat, type Transport, type WireChunk } from './transport.js';
import { wsFramePayload } from './ws-frame.js';

export class FakeTransport implements Transport {
  readonly writes: WireChunk[][] = [];
  bufferedAmount = 0;
  closedWith: { code: ErrorCode; reason: string } | undefined;
  destroyed = false;

  constructor(
    readonly format: WireFormat = WireFormat.Framed,
    readonly remoteAddress = '10.0.0.1:5555',
  ) {}

  /** Which method made each entry of {@link writes}. */
  readonly writeCalls: Array<'write' | 'writeMany'> = [];

  write(chunk: WireChunk): void {
    this.writes.push([chunk]);
    this.writeCalls.push('write');
  }
  writeMany(chunks: readonly WireChunk[]): void {
    this.writes.push([...chunks]);
    this.writeCalls.push('writeMany');
  }
  close(code: ErrorCode, reason: string): void {
    this.closedWith ??= { code, reason };
  }
  destroy(): void {
    this.destroyed = true;
  }

  /** Every packet written so far, decoded. */
  packets(): Packet[] {
    return this.writes.flat().map((chunk) => decodeChunk(this.format, chunk));
  }
}

export function decodeChunk(format: WireFormat, chunk: WireChunk): Packet {
  const framed = format === WireFormat.WsBinary || format === WireFormat.WsText;
  const body = framed ? wsFramePayload(chunk as Buffer).payload : chunk;
  const result = isJsonFormat(format)
    ? packetFromJson(body.toString(), 'to-client')
    : decodePacket(format === WireFormat.Framed ? (body as Buffer).subarray(4) : (body as Buffer));
  if (result.ok) return result.packet;
  // An echoed unknown type is still a well-formed Packet.
  if (result.packet) return result.packet;
  throw new Error(`written chunk is not a packet: ${result.error.message}`);
}

export class ManualClock implements Clock {
  constructor(public t = 1_000_000) {}
  now(): number {
    return this.t;
  }
}

/** Collects scheduled flushes; `run()` performs them. */
export class ManualScheduler {
  private tasks: (() => void)[] = [];
  readonly schedule = (task: () => void) => void this.tasks.push(task);
  run(): void {
    const tasks = this.tasks;
    this.tasks = [];
    for (const task of tasks) task();
  }
}

type Calls = Record<string, unknown[]>;

/** A LogicPort whose answers tests set per method; every request is recorded. */
export class FakeLogic implements LogicPort {
  readonly calls: Calls = {};
  epoch = 7;
  signInError: RpcError | undefined;
  /** When set, signIn waits for this promise before answering. */
  signInGate: Promise<void> | undefined;
  /** The tags signIn answers with; undefined answers the tags the client declared. */
  grantedTags: string[] | undefined;
  /** The part of the granted tags signIn reports as server-granted (SignInResponse.server_tags). */
  serverTags: string[] = [];
  /** The rooms signIn assigns the connection (SignInResponse.rooms). */
  rooms: string[] = [];
  sendError: RpcError | undefined;
  /** When set, send waits for this promise before answering. */
  sendGate: Promise<void> | undefined;
  subscribeError: RpcError | undefined;

  private record(name: string, request: unknown): void {
    (this.calls[name] ??= []).push(request);
  }
  async signIn(request: LogicSignInRequest): Promise<SignInResponse> {
    this.record('signIn', request);
    if (this.signInGate) await this.signInGate;
    if (this.signInError) throw this.signInError;
    const r = request.request!;
    return {
      appId: r.appId,
      epoch: this.epoch,
      // What real logic decides from the token; this fake grants what the client asked, unless told otherwise.
      tags: this.grantedTags ?? r.tags,
      serverTags: this.serverTags,
      rooms: this.rooms,
      response: {
        userId: r.userId,
        deviceId: r.deviceId,
        maxSeq: 3,
        heartbeatIntervalMs: 0,
        serverTime: 0,
        ackedSeq: 1,
      },
    };
  }
  async send(request: Parameters<LogicPort['send']>[0]) {
    this.record('send', request);
    if (this.sendGate) await this.sendGate;
    if (this.sendError) throw this.sendError;
    return { response: { messageId: 11, seq: 12, sentAt: 13, conversationSeq: 14 } };
  }
  async sync(request: Parameters<LogicPort['sync']>[0]) {
    this.record('sync', request);
    return { response: { messages: [], hasMore: false, maxSeq: 0 } };
  }
  async syncGroup(request: Parameters<LogicPort['syncGroup']>[0]) {
    this.record('syncGroup', request);
    return { response: { messages: [], hasMore: false, maxSeq: 0 } };
  }
  async history(request: Parameters<LogicPort['history']>[0]) {
    this.record('history', request);
    return { response: { messages: [], hasMore: false } };
  }
  async conversations(request: Parameters<LogicPort['conversations']>[0]) {
    this.record('conversations', request);
    return { response: { conversations: [], nextCursor: '' } };
  }
  async ack(request: Parameters<LogicPort['ack']>[0]) {
    this.record('ack', request);
    return { ackedSeq: 1 };
  }
  async read(request: Parameters<LogicPort['read']>[0]) {
    this.record('read', request);
    return {};
  }
  async subscribeRoom(request: Parameters<LogicPort['subscribeRoom']>[0]) {
    this.record('subscribeRoom', request);
    if (this.subscribeError) throw this.subscribeError;
    return {};
  }
  async disconnect(request: Parameters<LogicPort['disconnect']>[0]) {
    this.record('disconnect', request);
    return {};
  }
}

/** A GateRoutePort recording every call. */
export class FakeRoute implements GateRoutePort {
  readonly calls: Calls = {};
  private record(name: string, request: unknown): Promise<unknown> {
    (this.calls[name] ??= []).push(request);
    return Promise.resolve({});
  }
  /** Whether the next RenewLease answers "registered" (true for the first one, like route). */
  registerNext = true;
  unbind = (r: unknown) => this.record('unbind', r);
  renewLease = async (r: unknown) => {
    await this.record('renewLease', r);
    const registered = this.registerNext;
    this.registerNext = false;
    return { registered, leaseExpiresAt: 0 };
  };
  /** Outcome per session of the next RebindGate calls; by default every session is re-bound with epoch 100+. */
  rebindOutcome: (session: { userId: string; deviceId: string }) => { epoch: number; superseded: boolean } =
    () => ({ epoch: ++this.rebindEpoch, superseded: false });
  rebindError: Error | undefined;
  private rebindEpoch = 100;
  rebindGate = async (r: RebindGateRequest) => {
    await this.record('rebindGate', r);
    if (this.rebindError) throw this.rebindError;
    return { results: r.sessions.map((s) => this.rebindOutcome(s)) };
  };
  removeGate = (r: unknown) => this.record('removeGate', r);
  /** When set, JoinRoom records the call and then fails with it. */
  joinRoomError: Error | undefined;
  joinRoom = async (r: unknown) => {
    await this.record('joinRoom', r);
    if (this.joinRoomError) throw this.joinRoomError;
    return {};
  };
  leaveRoom = (r: unknown) => this.record('leaveRoom', r);
}

export const TEST_SETTINGS: GateSettings = {
  signInTimeoutMs: 10_000,
  heartbeatIntervalMs: 30_000,
  heartbeatTimeoutMs: 90_000,
  sendQueueMaxBytes: 64 * 1024,
  rateLimit: { packetsPerSecond: 10, burst: 20 },
};

export interface Harness {
  core: GateCore;
  logic: FakeLogic;
  route: FakeRoute;
  clock: ManualClock;
  scheduler: ManualScheduler;
  logs: MemoryDestination;
}

export function harness(settings: Partial<GateSettings> = {}): Harness {
  const logic = new FakeLogic();
  const route = new FakeRoute();
  const clock = new ManualClock();
  const scheduler = new ManualScheduler();
  const logs = memoryDestination();
  const core = new GateCore({
    gateId: 'gate-test',
    settings: { ...TEST_SETTINGS, ...settings },
    logic,
    route,
    logger: createLogger({ level: 'debug', service: 'gate', destination: logs }),
    clock,
    schedule: scheduler.schedule,
  });
  return { core, logic, route, clock, scheduler, logs };
}

export function packetBytes(
  type: PacketType,
  requestId: number,
  data: Uint8Array = new Uint8Array(),
): Buffer {
  return Buffer.from(
    Packet.encode({ type, requestId, code: 0, message: '', data: Buffer.from(data) }).finish(),
  );
}

export function signInBytes(requestId: number, device = 'd1', tags: string[] = [], user = 'u1'): Buffer {
  const data = SignInRequest.encode({
    appId: 'app1',
    userId: user,
    deviceId: device,
    token: 'tok',
    platform: 'test',
    tags,
  }).finish();
  return packetBytes(PacketType.PACKET_TYPE_SIGN_IN, requestId, data);
}

/** Lets pending promise callbacks (fake port answers) run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Opens a connection on the harness and signs it in as app1/`user`/`device`, flushing its answer. */
export async function signedInConnection(h: Harness, device: string, user = 'u1', tags: string[] = []) {
  const transport = new FakeTransport();
  const conn = h.core.open(transport);
  h.core.receive(conn, signInBytes(1, device, tags, user));
  await settle();
  h.scheduler.run();
  return { conn, transport };
}

/** A route-style target naming a connection as it is signed in (epoch 0: any epoch). */
export const targetOf = (conn: Connection, epoch = 0) => ({
  connId: conn.id,
  epoch,
  userId: conn.userId,
  deviceId: conn.deviceId,
});
