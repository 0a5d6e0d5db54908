import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { ErrorCode } from '@switchboard/proto/client';
import { describe, expect, it } from 'vitest';
import { CODE_METADATA_KEY, fromServiceError, RpcError } from './rpc-error.js';
import {
  isMethodMissing,
  TickGatherer,
  type BatchItemResult,
  type TickGathererOptions,
} from './tick-gatherer.js';

/** An item is an id like `m7`; its answer is the number in it. */
const okFor = (id: string): BatchItemResult<number> => ({ response: parseInt(id.slice(1), 10) });

/** Batch and unary calls that record each call and let the test answer it. */
class HeldCalls {
  calls: Array<{
    items: string[];
    deadline: number;
    resolve(r: readonly BatchItemResult<number>[]): void;
    reject(e: unknown): void;
  }> = [];
  singles: Array<{ item: string; deadline: number }> = [];
  readonly batch = (items: string[], deadline: number) =>
    new Promise<readonly BatchItemResult<number>[]>((resolve, reject) =>
      this.calls.push({ items, deadline, resolve, reject }),
    );
  readonly single = (item: string, deadline: number) => {
    this.singles.push({ item, deadline });
    return Promise.resolve(parseInt(item.slice(1), 10));
  };
  ids = () => this.calls.map((c) => c.items);
}

const settle = <T>(p: Promise<T>) =>
  p.then(
    (value) => ({ value }),
    (error: RpcError) => ({ code: error.code, message: error.message, field: error.field }),
  );

function gatherer(options: Partial<TickGathererOptions<string, number>> = {}) {
  const held = new HeldCalls();
  const sizes: number[] = [];
  const g = new TickGatherer<string, number>({
    batch: held.batch,
    single: held.single,
    // `m4:1995` is an item of 1,995 bytes; others are 10.
    sizeOf: (id) => Number(id.split(':')[1] ?? 10),
    timeoutMs: 5_000,
    onBatch: (n) => sizes.push(n),
    ...options,
  });
  return { held, sizes, g };
}

/** A gRPC status as grpc-js reports it, with the `sb-code` trailer when `sbCode` is given. */
function serviceError(code: status, sbCode?: ErrorCode): ServiceError {
  const metadata = new Metadata();
  if (sbCode !== undefined) metadata.set(CODE_METADATA_KEY, String(sbCode));
  return Object.assign(new Error('failed'), { code, details: 'failed', metadata });
}

const tick = () => new Promise((r) => setImmediate(r));

describe('TickGatherer', () => {
  it('sends the requests of one tick as one call and hands each its own answer', async () => {
    const { held, sizes, g } = gatherer();
    const answers = ['m1', 'm2', 'm3'].map((id) => g.call(id));
    await tick();
    expect(held.ids()).toEqual([['m1', 'm2', 'm3']]);
    held.calls[0]!.resolve(held.calls[0]!.items.map(okFor));
    expect(await Promise.all(answers)).toEqual([1, 2, 3]);
    const later = g.call('m4');
    await tick();
    expect(held.ids()).toEqual([['m1', 'm2', 'm3'], ['m4']]);
    held.calls[1]!.resolve([okFor('m4')]);
    expect(await later).toBe(4);
    expect(sizes).toEqual([3, 1]);
    expect(held.singles).toEqual([]);
  });

  it('fails only the requests whose result is an error, with their own code, message and field', async () => {
    const { held, g } = gatherer();
    const answers = ['m1', 'm2', 'm3'].map((id) => settle(g.call(id)));
    await tick();
    held.calls[0]!.resolve([
      okFor('m1'),
      { error: { code: ErrorCode.ERROR_CODE_INVALID_ARGUMENT, message: 'x is required', field: 'x' } },
      okFor('m3'),
    ]);
    expect(await Promise.all(answers)).toEqual([
      { value: 1 },
      { code: ErrorCode.ERROR_CODE_INVALID_ARGUMENT, message: 'x is required', field: 'x' },
      { value: 3 },
    ]);
  });

  it('answers INTERNAL to requests the server returned no result for', async () => {
    const { held, g } = gatherer();
    const answers = ['m1', 'm2'].map((id) => settle(g.call(id)));
    await tick();
    held.calls[0]!.resolve([okFor('m1')]);
    const [, second] = await Promise.all(answers);
    expect(second).toMatchObject({ code: ErrorCode.ERROR_CODE_INTERNAL });
  });

  it('cuts a tick into calls by count and bytes; a failing call fails only its own requests', async () => {
    const { held, g } = gatherer({ maxItems: 2, maxBytes: 2_000 });
    // m5 is larger than a call: it goes alone.
    const answers = ['m1', 'm2', 'm3', 'm4:1995', 'm5:5000'].map((id) => settle(g.call(id)));
    await tick();
    expect(held.ids()).toEqual([['m1', 'm2'], ['m3'], ['m4:1995'], ['m5:5000']]);
    held.calls[0]!.reject(new RpcError(ErrorCode.ERROR_CODE_UNAVAILABLE, 'unavailable'));
    for (const c of held.calls.slice(1)) c.resolve(c.items.map(okFor));
    const results = await Promise.all(answers);
    expect(results.map((r) => ('code' in r ? r.code : r.value))).toEqual([
      ErrorCode.ERROR_CODE_UNAVAILABLE,
      ErrorCode.ERROR_CODE_UNAVAILABLE,
      3,
      4,
      5,
    ]);
  });

  it('with maxInFlight, holds what finds every slot taken until a call ends, then sends it as one call', async () => {
    const { held, g } = gatherer({ maxInFlight: 1, maxItems: 3 });
    /** The answers come from a microtask after the call settles; what then goes, a tick later. */
    const settled = async () => {
      await tick();
      await tick();
    };
    const first = g.call('m1');
    await tick();
    const waiting = ['m2', 'm3'].map((id) => settle(g.call(id)));
    await tick();
    waiting.push(settle(g.call('m4')), settle(g.call('m5')));
    await tick();
    expect(held.ids()).toEqual([['m1']]);
    held.calls[0]!.resolve([okFor('m1')]);
    expect(await first).toBe(1);
    await settled();
    // One slot: the four waiting requests go as the next call of at most maxItems, the rest after it.
    expect(held.ids()).toEqual([['m1'], ['m2', 'm3', 'm4']]);
    held.calls[1]!.reject(new RpcError(ErrorCode.ERROR_CODE_UNAVAILABLE, 'unavailable'));
    await settled();
    expect(held.ids()).toEqual([['m1'], ['m2', 'm3', 'm4'], ['m5']]);
    held.calls[2]!.resolve([okFor('m5')]);
    const results = await Promise.all(waiting);
    expect(results.map((r) => ('code' in r ? r.code : r.value))).toEqual([
      ErrorCode.ERROR_CODE_UNAVAILABLE,
      ErrorCode.ERROR_CODE_UNAVAILABLE,
      ErrorCode.ERROR_CODE_UNAVAILABLE,
      5,
    ]);
  });

  it('gives a call the deadline of its earliest request, timeoutMs after it was handed over', async () => {
    let now = 1_000;
    const { held, g } = gatherer({ timeoutMs: 5_000, now: () => now });
    void g.call('m1');
    now = 1_003;
    void g.call('m2');
    await tick();
    expect(held.calls[0]!.deadline).toBe(6_000);
    for (const c of held.calls) c.resolve(c.items.map(okFor));
  });

  it('makes unary calls while the server lacks the batch method, and tries the batch again later', async () => {
    let now = 1_000;
    const { held, sizes, g } = gatherer({ now: () => now, retryBatchAfterMs: 60_000 });
    const first = ['m1', 'm2'].map((id) => g.call(id));
    await tick();
    held.calls[0]!.reject(fromServiceError(serviceError(status.UNIMPLEMENTED)));
    // The requests of the refused call are answered by unary calls with their own deadlines.
    expect(await Promise.all(first)).toEqual([1, 2]);
    expect(held.singles).toEqual([
      { item: 'm1', deadline: 6_000 },
      { item: 'm2', deadline: 6_000 },
    ]);
    const second = ['m3', 'm4'].map((id) => g.call(id));
    await tick();
    expect(await Promise.all(second)).toEqual([3, 4]);
    expect(held.ids()).toHaveLength(1);
    now += 60_000;
    const third = g.call('m5');
    await tick();
    expect(held.ids()).toEqual([['m1', 'm2'], ['m5']]);
    held.calls[1]!.resolve([okFor('m5')]);
    expect(await third).toBe(5);
    expect(sizes).toEqual([2, 1]);
  });

  it('fails its requests when the server answers UNIMPLEMENTED with a code of its own', async () => {
    const { held, g } = gatherer();
    const answer = settle(g.call('m1'));
    await tick();
    held.calls[0]!.reject(
      fromServiceError(serviceError(status.UNIMPLEMENTED, ErrorCode.ERROR_CODE_UNIMPLEMENTED)),
    );
    expect(await answer).toMatchObject({ code: ErrorCode.ERROR_CODE_UNIMPLEMENTED });
    expect(held.singles).toEqual([]);
  });
});

describe('isMethodMissing', () => {
  it('is true for UNIMPLEMENTED without a switchboard code only', () => {
    expect(isMethodMissing(fromServiceError(serviceError(status.UNIMPLEMENTED)))).toBe(true);
    expect(
      isMethodMissing(
        fromServiceError(serviceError(status.UNIMPLEMENTED, ErrorCode.ERROR_CODE_UNIMPLEMENTED)),
      ),
    ).toBe(false);
    expect(isMethodMissing(fromServiceError(serviceError(status.UNAVAILABLE)))).toBe(false);
    expect(isMethodMissing(new Error('x'))).toBe(false);
    expect(isMethodMissing(undefined)).toBe(false);
  });
});
