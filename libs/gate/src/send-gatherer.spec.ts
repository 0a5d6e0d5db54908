import { credentials } from '@grpc/grpc-js';
import { ErrorCode } from '@switchboard/proto/client';
import {
  LogicServiceClient,
  LogicServiceService,
  type SendBatchRequest,
  type SendBatchResponse,
  type SendRequest,
} from '@switchboard/proto/logic';
import { internalClientOptions, RpcError, startGrpcServer, unary } from '@switchboard/rpc';
import { describe, expect, it } from 'vitest';
import { grpcLogicPort } from './grpc-ports.js';
import { SendGatherer, type SendGathererOptions } from './send-gatherer.js';

const send = (clientMsgId: string, bytes = 10): SendRequest => ({
  session: { appId: 'a', userId: 'u', deviceId: 'd', gateId: 'g', connId: 1, epoch: 1 },
  request: { clientMsgId, contentType: 'text', content: Buffer.alloc(bytes) },
});
const idOf = (s: SendRequest) => s.request!.clientMsgId;
/** Logic's answer to a send: a response whose seq is the number in its client_msg_id. */
const okFor = (s: SendRequest) => ({
  response: { response: { messageId: 1, seq: Number(idOf(s).slice(1)), sentAt: 0, conversationSeq: 0 } },
});

/** A SendBatch call that records each call and lets the test answer it. */
class HeldCalls {
  calls: Array<{
    request: SendBatchRequest;
    deadline: number;
    resolve(r: SendBatchResponse): void;
    reject(e: unknown): void;
  }> = [];
  readonly call = (request: SendBatchRequest, deadline: number) =>
    new Promise<SendBatchResponse>((resolve, reject) =>
      this.calls.push({ request, deadline, resolve, reject }),
    );
  ids = () => this.calls.map((c) => c.request.sends.map(idOf));
}

const settle = <T>(p: Promise<T>) =>
  p.then(
    (value) => ({ value }),
    (error: RpcError) => ({ code: error.code, message: error.message, field: error.field }),
  );

function gatherer(options: Partial<SendGathererOptions> = {}) {
  const held = new HeldCalls();
  const sizes: number[] = [];
  const g = new SendGatherer(held.call, { timeoutMs: 5_000, onBatch: (n) => sizes.push(n), ...options });
  return { held, sizes, g };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('SendGatherer', () => {
  it('sends the sends of one tick as one call and hands each send its own answer', async () => {
    const { held, sizes, g } = gatherer();
    const answers = ['m1', 'm2', 'm3'].map((id) => g.send(send(id)));
    await tick();
    expect(held.ids()).toEqual([['m1', 'm2', 'm3']]);
    held.calls[0]!.resolve({ results: held.calls[0]!.request.sends.map(okFor) });
    expect((await Promise.all(answers)).map((a) => a.response!.seq)).toEqual([1, 2, 3]);
    const later = g.send(send('m4'));
    await tick();
    expect(held.ids()).toEqual([['m1', 'm2', 'm3'], ['m4']]);
    held.calls[1]!.resolve({ results: [okFor(send('m4'))] });
    expect((await later).response!.seq).toBe(4);
    expect(sizes).toEqual([3, 1]);
  });

  it('fails only the sends whose result is an error, with their own code, message and field', async () => {
    const { held, g } = gatherer();
    const answers = ['m1', 'm2', 'm3'].map((id) => settle(g.send(send(id))));
    await tick();
    const [a, , c] = held.calls[0]!.request.sends;
    held.calls[0]!.resolve({
      results: [
        okFor(a!),
        {
          error: {
            code: ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
            message: 'client_msg_id is required',
            field: 'client_msg_id',
          },
        },
        okFor(c!),
      ],
    });
    const [first, second, third] = await Promise.all(answers);
    expect(first).toMatchObject({ value: { response: { seq: 1 } } });
    expect(second).toEqual({
      code: ErrorCode.ERROR_CODE_INVALID_ARGUMENT,
      message: 'client_msg_id is required',
      field: 'client_msg_id',
    });
    expect(third).toMatchObject({ value: { response: { seq: 3 } } });
  });

  it('answers INTERNAL to sends logic returned no result for', async () => {
    const { held, g } = gatherer();
    const answers = ['m1', 'm2'].map((id) => settle(g.send(send(id))));
    await tick();
    held.calls[0]!.resolve({ results: [okFor(held.calls[0]!.request.sends[0]!)] });
    const [, second] = await Promise.all(answers);
    expect(second).toMatchObject({ code: ErrorCode.ERROR_CODE_INTERNAL });
  });

  it('cuts a tick into calls by count and bytes; a failing call fails only its own sends', async () => {
    const { held, g } = gatherer({ maxSends: 2, maxBytes: 2_000 });
    const answers = [
      g.send(send('m1')),
      g.send(send('m2')),
      g.send(send('m3')),
      g.send(send('m4', 1_900)),
      g.send(send('m5', 5_000)), // larger than a call: goes alone
    ].map(settle);
    await tick();
    expect(held.ids()).toEqual([['m1', 'm2'], ['m3'], ['m4'], ['m5']]);
    held.calls[0]!.reject(new RpcError(ErrorCode.ERROR_CODE_UNAVAILABLE, 'unavailable'));
    for (const c of held.calls.slice(1)) c.resolve({ results: c.request.sends.map(okFor) });
    const results = await Promise.all(answers);
    expect(results.map((r) => ('code' in r ? r.code : r.value.response!.seq))).toEqual([
      ErrorCode.ERROR_CODE_UNAVAILABLE,
      ErrorCode.ERROR_CODE_UNAVAILABLE,
      3,
      4,
      5,
    ]);
  });

  it('gives a call the deadline of its earliest send, timeoutMs after it was handed over', async () => {
    let now = 1_000;
    const { held, g } = gatherer({ timeoutMs: 5_000, now: () => now });
    void g.send(send('m1'));
    now = 1_003;
    void g.send(send('m2'));
    await tick();
    expect(held.calls[0]!.deadline).toBe(6_000);
    for (const c of held.calls) c.resolve({ results: c.request.sends.map(okFor) });
  });
});

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
