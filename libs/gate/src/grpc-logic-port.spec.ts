import { credentials, Metadata } from '@grpc/grpc-js';
import { ErrorCode } from '@switchboard/proto/client';
import {
  LogicServiceClient,
  LogicServiceService,
  type SendBatchRequest,
  type SendRequest,
  type SignInBatchRequest,
  type SignInRequest,
} from '@switchboard/proto/logic';
import {
  call,
  internalClientOptions,
  RpcError,
  startGrpcServer,
  unary,
  type StartedServer,
} from '@switchboard/rpc';
import { afterEach, describe, expect, it } from 'vitest';
import { grpcLogicPort } from './grpc-ports.js';
import { startFakeUpstreams, type FakeUpstreams } from './testing/fake-upstreams.js';

const send = (clientMsgId: string, bytes = 10): SendRequest => ({
  session: { appId: 'a', userId: 'u', deviceId: 'd', gateId: 'g', connId: 1, epoch: 1 },
  request: { clientMsgId, contentType: 'text', content: Buffer.alloc(bytes) },
});
const idOf = (s: SendRequest) => s.request!.clientMsgId;
/** Logic's answer to a send: a response whose seq is the number in its client_msg_id. */
const okFor = (s: SendRequest) => ({
  response: { response: { messageId: 1, seq: Number(idOf(s).slice(1)), sentAt: 0, conversationSeq: 0 } },
});

const settle = <T>(p: Promise<T>) =>
  p.then(
    (value) => ({ value }),
    (error: RpcError) => ({ code: error.code, message: error.message, field: error.field }),
  );

describe('grpcLogicPort sends over SendBatch', () => {
  it('answers each send as logic answered it, and TIMEOUT to every send of a call past its deadline', async () => {
    const secret = 'a-test-secret-of-at-least-32-characters';
    const batches: number[] = [];
    const server = await startGrpcServer(
      '127.0.0.1',
      0,
      [
        {
          definition: LogicServiceService,
          implementation: {
            sendBatch: unary(async (r: SendBatchRequest) => {
              batches.push(r.sends.length);
              // `hang` never answers: the call runs into its deadline.
              if (r.sends.some((s) => idOf(s) === 'hang')) return new Promise<never>(() => {});
              return {
                results: r.sends.map((s) =>
                  idOf(s) === 'bad'
                    ? {
                        error: {
                          code: ErrorCode.ERROR_CODE_GROUP_NOT_FOUND,
                          message: 'no such group',
                          field: '',
                        },
                      }
                    : okFor(s),
                ),
              };
            }),
          },
        },
      ],
      { secret },
    );
    const client = new LogicServiceClient(
      `127.0.0.1:${server.port}`,
      credentials.createInsecure(),
      internalClientOptions(secret),
    );
    try {
      // A generous deadline for the answers (a busy box), a short one for the call that hangs.
      const port = grpcLogicPort(client, 30_000);
      const [ok, bad] = await Promise.all([settle(port.send(send('m7'))), settle(port.send(send('bad')))]);
      expect(ok).toMatchObject({ value: { response: { seq: 7 } } });
      expect(bad).toEqual({
        code: ErrorCode.ERROR_CODE_GROUP_NOT_FOUND,
        message: 'no such group',
        field: undefined,
      });
      const short = grpcLogicPort(client, 300);
      const timedOut = await Promise.all([settle(short.send(send('hang'))), settle(short.send(send('m8')))]);
      expect(timedOut.map((r) => ('code' in r ? r.code : 0))).toEqual([
        ErrorCode.ERROR_CODE_TIMEOUT,
        ErrorCode.ERROR_CODE_TIMEOUT,
      ]);
      expect(batches).toEqual([2, 2]);
    } finally {
      client.close();
      await server.stop(0);
    }
  });
});

const signIn = (userId: string, token = 'good'): SignInRequest => ({
  request: { appId: 'a', userId, deviceId: `d-${userId}`, token, platform: 'test', tags: [] },
  gateId: 'g',
  connId: Number(userId.slice(1)),
  remoteAddress: '127.0.0.1',
  gateBootId: 'boot',
});

describe('grpcLogicPort sign-ins over SignInBatch', () => {
  let fake: FakeUpstreams | undefined;
  let server: StartedServer | undefined;
  const clients: LogicServiceClient[] = [];
  const clientOf = (address: string, secret: string) => {
    const client = new LogicServiceClient(
      address,
      credentials.createInsecure(),
      internalClientOptions(secret),
    );
    clients.push(client);
    return client;
  };
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await fake?.stop();
    await server?.stop(0);
    fake = server = undefined;
  });

  it('sends the concurrent sign-ins of a tick in one call; a bad token fails only its own sign-in', async () => {
    fake = await startFakeUpstreams();
    const batches: number[] = [];
    const port = grpcLogicPort(clientOf(fake.logicAddress, fake.secret), 30_000, {
      onSignInBatch: (n) => batches.push(n),
    });
    const users = Array.from({ length: 40 }, (_, i) => `u${i}`);
    const answers = await Promise.all(
      users.map((u) => settle(port.signIn(signIn(u, u === 'u17' ? 'forged' : 'good')))),
    );
    expect(batches).toEqual([40]);
    expect(fake.calls['signInBatch']).toHaveLength(1);
    expect(fake.calls['signIn']).toHaveLength(40);
    users.forEach((u, i) => {
      if (u === 'u17') {
        // What the unary SignIn answers for a bad token (see fake-upstreams).
        expect(answers[i]).toEqual({
          code: ErrorCode.ERROR_CODE_TOKEN_INVALID,
          message: 'bad token',
          field: undefined,
        });
      } else {
        expect(answers[i]).toMatchObject({ value: { response: { userId: u, deviceId: `d-${u}` } } });
      }
    });
    const epochs = answers.flatMap((a) => ('value' in a ? [a.value.epoch] : []));
    expect(new Set(epochs).size).toBe(39);
  });

  it('signs in with unary SignIn (and sends with Send) on a logic that has no batch methods yet', async () => {
    const secret = 'a-test-secret-of-at-least-32-characters';
    const unaryCalls: string[] = [];
    const old = {
      signIn: unary(async (r: SignInRequest) => {
        unaryCalls.push(`signIn ${r.request!.userId}`);
        if (r.request!.token !== 'good') throw new RpcError(ErrorCode.ERROR_CODE_TOKEN_INVALID, 'bad token');
        return {
          appId: 'a',
          epoch: 1,
          tags: [],
          serverTags: [],
          rooms: [],
          response: {
            userId: r.request!.userId,
            deviceId: r.request!.deviceId,
            maxSeq: 0,
            ackedSeq: 0,
            heartbeatIntervalMs: 0,
            serverTime: 0,
          },
        };
      }),
      send: unary(async (r: SendRequest) => {
        unaryCalls.push(`send ${idOf(r)}`);
        return okFor(r).response;
      }),
    };
    server = await startGrpcServer(
      '127.0.0.1',
      0,
      [{ definition: LogicServiceService, implementation: old }],
      {
        secret,
      },
    );
    const batches: number[] = [];
    const port = grpcLogicPort(clientOf(`127.0.0.1:${server.port}`, secret), 30_000, {
      onSignInBatch: (n) => batches.push(n),
      onSendBatch: (n) => batches.push(n),
    });
    const first = await Promise.all([
      settle(port.signIn(signIn('u1'))),
      settle(port.signIn(signIn('u2', 'forged'))),
      settle(port.send(send('m3'))),
    ]);
    expect(first).toMatchObject([
      { value: { response: { userId: 'u1' } } },
      { code: ErrorCode.ERROR_CODE_TOKEN_INVALID, message: 'bad token' },
      { value: { response: { seq: 3 } } },
    ]);
    // Later ticks go unary at once, without asking for the batch methods again.
    const second = await Promise.all([port.signIn(signIn('u4')), port.send(send('m5'))]);
    expect(second).toMatchObject([{ response: { userId: 'u4' } }, { response: { seq: 5 } }]);
    expect(batches).toEqual([2, 1]);
    expect(unaryCalls.sort()).toEqual(['send m3', 'send m5', 'signIn u1', 'signIn u2', 'signIn u4']);
  });

  it('answers every sign-in of a call that runs past its deadline TIMEOUT, as the unary SignIn would', async () => {
    const secret = 'a-test-secret-of-at-least-32-characters';
    const batches: number[] = [];
    server = await startGrpcServer(
      '127.0.0.1',
      0,
      [
        {
          definition: LogicServiceService,
          implementation: {
            signIn: unary(() => new Promise<never>(() => {})),
            signInBatch: unary(async (r: SignInBatchRequest) => {
              batches.push(r.signIns.length);
              return new Promise<never>(() => {});
            }),
          },
        },
      ],
      { secret },
    );
    const client = clientOf(`127.0.0.1:${server.port}`, secret);
    const port = grpcLogicPort(client, 300);
    const batched = await Promise.all([settle(port.signIn(signIn('u1'))), settle(port.signIn(signIn('u2')))]);
    const alone = await settle(call(client, client.signIn, signIn('u3'), new Metadata(), 300));
    expect(batches).toEqual([2]);
    expect(batched).toEqual([alone, alone]);
    expect(alone).toMatchObject({ code: ErrorCode.ERROR_CODE_TIMEOUT });
  });
});
