import { randomBytes } from 'node:crypto';
import { LogicServiceService, type LogicServiceServer, type SignInRequest } from '@switchboard/proto/logic';
import { RouteServiceService, type RebindGateRequest } from '@switchboard/proto/route';
import { ErrorCode } from '@switchboard/proto/client';
import { RpcError, startGrpcServer, toErrorOutcome, unary, type StartedServer } from '@switchboard/rpc';

/** In-process LogicService and RouteService gRPC servers for gateway integration tests. */
export interface FakeUpstreams {
  logicAddress: string;
  routeAddress: string;
  /** The internal secret both fakes require; give it to the gate as `internal.secret`. */
  secret: string;
  /** Requests received, by method name (`signIn`, `send`, `unbind`, `renewLease`, ...); each send of a
   * `sendBatch` is under `send` too, and each sign-in of a `signInBatch` under `signIn`. */
  calls: Record<string, unknown[]>;
  stop(): Promise<void>;
}

/**
 * Starts the fakes. Logic accepts a sign-in whose token is `good` (else TOKEN_INVALID) and answers
 * SEND with message id 1 and seq 1; route accepts everything. Both record every request.
 * `logicPort` binds logic to a given port (to restart an instance where it was); default any.
 * `secret` is the internal secret they require; default a random one (see `secret` in the result).
 */
export async function startFakeUpstreams(
  options: { logicPort?: number; secret?: string } = {},
): Promise<FakeUpstreams> {
  const secret = options.secret ?? randomBytes(32).toString('base64url');
  const calls: Record<string, unknown[]> = {};
  const record = (name: string, request: unknown) => (calls[name] ??= []).push(request);
  let epoch = 0;
  const ok =
    <Req>(name: string) =>
    (r: Req) => {
      record(name, r);
      return Promise.resolve({});
    };
  const signIn = async (r: SignInRequest) => {
    record('signIn', r);
    const req = r.request!;
    if (req.token !== 'good') throw new RpcError(ErrorCode.ERROR_CODE_TOKEN_INVALID, 'bad token');
    return {
      appId: req.appId,
      epoch: ++epoch,
      tags: req.tags,
      serverTags: [],
      rooms: [],
      response: {
        userId: req.userId,
        deviceId: req.deviceId,
        maxSeq: 0,
        heartbeatIntervalMs: 0,
        serverTime: 0,
        ackedSeq: 0,
      },
    };
  };
  const logic: LogicServiceServer = {
    signIn: unary(signIn),
    // Each sign-in of a batch is recorded under `signIn` too, as if it had come alone.
    signInBatch: unary(async (r) => {
      record('signInBatch', r);
      const results = await Promise.all(
        r.signIns.map((s) =>
          signIn(s).then(
            (response) => ({ response }),
            (err: unknown) => ({ error: toErrorOutcome(err) }),
          ),
        ),
      );
      return { results };
    }),
    send: unary(async (r) => {
      record('send', r);
      return { response: { messageId: 1, seq: 1, sentAt: 1, conversationSeq: 1 } };
    }),
    // Each send of a batch is recorded under `send` too, as if it had come alone.
    sendBatch: unary(async (r) => {
      record('sendBatch', r);
      for (const send of r.sends) record('send', send);
      return {
        results: r.sends.map(() => ({
          response: { response: { messageId: 1, seq: 1, sentAt: 1, conversationSeq: 1 } },
        })),
      };
    }),
    sync: unary(async (r) => (record('sync', r), { response: { messages: [], hasMore: false, maxSeq: 0 } })),
    syncGroup: unary(
      async (r) => (record('syncGroup', r), { response: { messages: [], hasMore: false, maxSeq: 0 } }),
    ),
    history: unary(async (r) => (record('history', r), { response: { messages: [], hasMore: false } })),
    conversations: unary(
      async (r) => (record('conversations', r), { response: { conversations: [], nextCursor: '' } }),
    ),
    ack: unary(async (r) => (record('ack', r), { ackedSeq: 0 })),
    read: unary(ok('read')),
    subscribeRoom: unary(ok('subscribeRoom')),
    disconnect: unary(ok('disconnect')),
  };
  const route = {
    unbind: unary(async (r) => (record('unbind', r), { removed: true })),
    // A first renewal registers the gate; later ones find its lease live.
    renewLease: unary(async (r) => {
      record('renewLease', r);
      return { registered: calls['renewLease']!.length === 1, leaseExpiresAt: Date.now() + 15_000 };
    }),
    rebindGate: unary(async (r: RebindGateRequest) => {
      record('rebindGate', r);
      return { results: r.sessions.map(() => ({ epoch: ++epoch, superseded: false })) };
    }),
    removeGate: unary(ok('removeGate')),
    joinRoom: unary(ok('joinRoom')),
    leaveRoom: unary(ok('leaveRoom')),
  };
  const logicServer: StartedServer = await startGrpcServer(
    '127.0.0.1',
    options.logicPort ?? 0,
    [{ definition: LogicServiceService, implementation: logic }],
    { secret },
  );
  const routeServer: StartedServer = await startGrpcServer(
    '127.0.0.1',
    0,
    [{ definition: RouteServiceService, implementation: route }],
    { secret },
  );
  return {
    logicAddress: `127.0.0.1:${logicServer.port}`,
    routeAddress: `127.0.0.1:${routeServer.port}`,
    secret,
    calls,
    stop: async () => {
      await logicServer.stop(100);
      await routeServer.stop(100);
    },
  };
}
