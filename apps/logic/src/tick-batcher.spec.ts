import { describe, expect, it } from 'vitest';
import { byApp, TickBatcher } from './tick-batcher.js';

describe('TickBatcher', () => {
  it('answers the calls of one tick with one batch call, each with its own result', async () => {
    const batches: number[][] = [];
    const batcher = new TickBatcher<number, string>(async (inputs) => {
      batches.push(inputs);
      return inputs.map((n) => `#${n}`);
    });
    const results = await Promise.all([1, 2, 3].map((n) => batcher.call(n)));
    expect(results).toEqual(['#1', '#2', '#3']);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('runs one batch at a time: what arrives meanwhile is the next batch, cut at maxSize', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const batcher = new TickBatcher<number, number>(
      async (inputs) => {
        batches.push(inputs);
        if (batches.length === 1) await gate;
        return inputs.map((n) => n * 10);
      },
      { maxSize: 2 },
    );
    const first = batcher.call(1);
    await new Promise((resolve) => setImmediate(resolve));
    const later = [2, 3, 4].map((n) => batcher.call(n));
    await new Promise((resolve) => setImmediate(resolve));
    expect(batches).toEqual([[1]]);
    release();
    expect(await Promise.all([first, ...later])).toEqual([10, 20, 30, 40]);
    expect(batches).toEqual([[1], [2, 3], [4]]);
  });

  it('retries a failed batch one by one when it can, so an error fails only its own call', async () => {
    const batcher = new TickBatcher<number, number>(
      async () => {
        throw new Error('batch failed');
      },
      {
        one: async (n) => {
          if (n === 2) throw new Error('two is bad');
          return n;
        },
      },
    );
    const results = await Promise.allSettled([1, 2, 3].map((n) => batcher.call(n)));
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      1,
      'two is bad',
      3,
    ]);
    const plain = new TickBatcher<number, number>(async () => {
      throw new Error('down');
    });
    const all = await Promise.allSettled([plain.call(1), plain.call(2)]);
    expect(all.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    // The batcher keeps working after a failure.
    const short = new TickBatcher<number, number>(async () => [1]);
    const answers = await Promise.allSettled([short.call(1), short.call(2)]);
    expect(answers.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
  });

  it('groups inputs by app, keeping their positions', () => {
    expect([...byApp([{ appId: 'a' }, { appId: 'b' }, { appId: 'a' }])]).toEqual([
      ['a', [0, 2]],
      ['b', [1]],
    ]);
  });
});
