import type { DirectSendInput, DirectSendResult } from '@switchboard/storage';
import { ErrorCode } from '@switchboard/proto/client';
import { describe, expect, it } from 'vitest';
import { SendBatcher, type SendBatcherLimits } from './send-batcher.js';

function input(i: number): DirectSendInput {
  return {
    appId: 'a',
    senderUserId: 'u',
    senderDeviceId: 'd',
    recipientUserId: 'v',
    clientMsgId: `m${i}`,
    contentType: 'text',
    content: new Uint8Array(),
    sentAt: 0,
  };
}

function result(i: DirectSendInput): DirectSendResult {
  const n = Number(i.clientMsgId.slice(1));
  return {
    messageId: n,
    senderSeq: n,
    recipientSeq: n,
    conversationSeq: n,
    conversationId: 'c',
    sentAt: 0,
    duplicate: false,
  };
}

/**
 * A batcher (no delay, batches of `maxSize`) whose writes each wait for their release; `flushes`
 * lists each batch's send numbers in the order the writes began.
 */
function heldWriter(maxSize: number, limits: SendBatcherLimits<DirectSendInput>) {
  const flushes: number[][] = [];
  const releases: Array<() => void> = [];
  const batcher = new SendBatcher<DirectSendInput, DirectSendResult>(
    async (batch) => {
      flushes.push(batch.map((i) => Number(i.clientMsgId.slice(1))));
      await new Promise<void>((r) => releases.push(r));
      return batch.map(result);
    },
    0,
    maxSize,
    limits,
  );
  return { batcher, flushes, releases };
}

describe('SendBatcher (group commit)', () => {
  it('gathers concurrent sends into one flush and answers each with its own result', async () => {
    const flushes: number[] = [];
    const batcher = new SendBatcher<DirectSendInput, DirectSendResult>(
      async (batch) => {
        flushes.push(batch.length);
        return batch.map(result);
      },
      5,
      100,
    );
    const results = await Promise.all([1, 2, 3, 4].map((i) => batcher.send(input(i))));
    expect(results.map((r) => r.messageId)).toEqual([1, 2, 3, 4]);
    expect(flushes).toEqual([4]);
  });

  it('writes up to maxInFlight batches at once; sends arriving meanwhile wait for a free one', async () => {
    const { batcher, flushes, releases } = heldWriter(2, { maxQueued: 100, maxInFlight: 2 });
    const first = [1, 2].map((i) => batcher.send(input(i)));
    await new Promise((r) => setTimeout(r, 5));
    const second = [3].map((i) => batcher.send(input(i)));
    await new Promise((r) => setTimeout(r, 5));
    // Two batches out; the third waits though it is due.
    const third = [4, 5].map((i) => batcher.send(input(i)));
    await new Promise((r) => setTimeout(r, 5));
    expect(flushes).toEqual([[1, 2], [3]]);
    releases[1]!();
    expect((await Promise.all(second)).map((r) => r.messageId)).toEqual([3]);
    await new Promise((r) => setTimeout(r, 5));
    expect(flushes).toEqual([[1, 2], [3], [4, 5]]);
    releases[0]!();
    releases[2]!();
    expect((await Promise.all([...first, ...third])).map((r) => r.messageId)).toEqual([1, 2, 4, 5]);
  });

  it('answers batches in the order they took their seqs, not the order their writes end', async () => {
    const writes: Array<{ ids: number[]; seqsTaken: () => void; release: () => void }> = [];
    const batcher = new SendBatcher<DirectSendInput, DirectSendResult>(
      async (batch, seqsTaken) => {
        let release!: () => void;
        const done = new Promise<void>((r) => (release = r));
        writes.push({ ids: batch.map((i) => Number(i.clientMsgId.slice(1))), seqsTaken, release });
        await done;
        return batch.map(result);
      },
      0,
      2,
      { maxQueued: 100, maxInFlight: 2 },
    );
    const answered: number[] = [];
    const sends = [1, 2, 3].map((i) => batcher.send(input(i)).then((r) => void answered.push(r.messageId)));
    await new Promise((r) => setTimeout(r, 5));
    const [first, second] = writes;
    expect([first!.ids, second!.ids]).toEqual([[1, 2], [3]]);
    // The second batch got the counter rows first; the first one's write ends first.
    second!.seqsTaken();
    first!.seqsTaken();
    first!.release();
    await new Promise((r) => setTimeout(r, 5));
    expect(answered).toEqual([]);
    second!.release();
    await Promise.all(sends);
    expect(answered).toEqual([3, 1, 2]);
  });

  it('caps a batch at maxSize and flushes what queued during a flush as the next batch', async () => {
    const flushes: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const batcher = new SendBatcher<DirectSendInput, DirectSendResult>(
      async (batch) => {
        flushes.push(batch.length);
        if (flushes.length === 1) await gate;
        return batch.map(result);
      },
      1,
      3,
    );
    const first = [1, 2, 3].map((i) => batcher.send(input(i))); // full: flushes at once
    const later = [4, 5, 6, 7, 8].map((i) => batcher.send(input(i))); // queue while the first runs
    release();
    const all = await Promise.all([...first, ...later]);
    expect(all.map((r) => r.messageId)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(flushes).toEqual([3, 3, 2]);
  });

  it('fails every send of a failed batch, and recovers for the next', async () => {
    let fail = true;
    const batcher = new SendBatcher<DirectSendInput, DirectSendResult>(
      async (batch) => {
        if (fail) throw new Error('db down');
        return batch.map(result);
      },
      1,
      10,
    );
    const failed = await Promise.allSettled([batcher.send(input(1)), batcher.send(input(2))]);
    expect(failed.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(batcher.send(input(3))).resolves.toMatchObject({ messageId: 3 });
  });
});

/** A batcher whose writes all wait until `release` is called. */
function heldBatcher(maxSize: number, limits: SendBatcherLimits) {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const batcher = new SendBatcher<DirectSendInput, DirectSendResult>(
    async (batch) => {
      await held;
      return batch.map(result);
    },
    0,
    maxSize,
    limits,
  );
  return { batcher, release };
}

describe('SendBatcher admission control', () => {
  it('refuses sends past maxQueued with RATE_LIMITED at once', async () => {
    const { batcher, release } = heldBatcher(1, { maxQueued: 2 });
    const first = batcher.send(input(1)); // taken into the first batch at once
    await new Promise((r) => setImmediate(r));
    const queued = [batcher.send(input(2)), batcher.send(input(3))];
    const refused = await batcher.send(input(4)).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: ErrorCode.ERROR_CODE_RATE_LIMITED });
    expect(batcher.rejected).toBe(1);
    release();
    expect((await first).messageId).toBe(1);
    expect((await Promise.all(queued)).map((r) => r.messageId)).toEqual([2, 3]);
  });

  it('refuses sends with RATE_LIMITED while the oldest queued one has waited maxQueueWaitMs', async () => {
    // The database falling behind: batches take longer, the queue ages; refusing bounds how long an
    // accepted send waits, where maxQueued alone let thousands wait seconds each.
    let now = 1_000;
    const { batcher, release } = heldBatcher(10, { maxQueued: 100, maxQueueWaitMs: 500, now: () => now });
    const first = batcher.send(input(1)); // taken into the first batch at once
    await new Promise((r) => setImmediate(r));
    const queued = batcher.send(input(2));
    now = 1_499;
    const accepted = batcher.send(input(3));
    now = 1_500;
    const refused = await batcher.send(input(4)).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: ErrorCode.ERROR_CODE_RATE_LIMITED });
    expect(batcher.rejected).toBe(1);
    release();
    await first;
    expect((await Promise.all([queued, accepted])).map((r) => r.messageId)).toEqual([2, 3]);
    // The queue drained: sends are taken again.
    expect((await batcher.send(input(5))).messageId).toBe(5);
  });

  it('drops with TIMEOUT, unwritten, the sends whose caller gave up while they queued', async () => {
    let now = 1_000;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const written: string[] = [];
    const batcher = new SendBatcher<DirectSendInput, DirectSendResult>(
      async (batch) => {
        written.push(...batch.map((i) => i.clientMsgId));
        await held;
        return batch.map(result);
      },
      0,
      10,
      { maxQueued: 100, now: () => now },
    );
    const first = batcher.send(input(1), 5_000);
    await new Promise((r) => setImmediate(r));
    const late = batcher.send(input(2), 2_000).catch((e: unknown) => e);
    const patient = batcher.send(input(3), 9_000);
    now = 3_000; // the first batch took long: input 2's caller is gone
    release();
    await first;
    expect(await late).toMatchObject({ code: ErrorCode.ERROR_CODE_TIMEOUT });
    expect((await patient).messageId).toBe(3);
    expect(written).toEqual(['m1', 'm3']);
    expect(batcher.expired).toBe(1);
  });
});

describe('SendBatcher with lockKeys (batches that do not wait for each other)', () => {
  /** Sends named by id, each locking the rows listed. */
  const rows: Record<number, string[]> = {};
  const send = (i: number, keys: string[]) => {
    rows[i] = keys;
    return input(i);
  };
  const lockKeys = (i: DirectSendInput) => rows[Number(i.clientMsgId.slice(1))]!;

  const writer = () => heldWriter(100, { maxQueued: 100, maxInFlight: 2, lockKeys });
  const tick = () => new Promise((r) => setTimeout(r, 5));

  it('leaves out of the second batch the sends that would wait for the first, and every later send sharing a row with them', async () => {
    const { batcher, flushes, releases } = writer();
    const first = [batcher.send(send(1, ['A', 'B']))];
    await tick();
    // 2 waits for A; 3 shares nothing with the batch in flight but X with 2, so it must not overtake
    // 2; 4 and 5 are free.
    const rest = [
      batcher.send(send(2, ['A', 'X'])),
      batcher.send(send(3, ['X'])),
      batcher.send(send(4, ['C'])),
      batcher.send(send(5, ['D', 'E'])),
    ];
    await tick();
    expect(flushes).toEqual([[1], [4, 5]]);
    releases[0]!();
    await tick();
    expect(flushes).toEqual([[1], [4, 5], [2, 3]]);
    releases[1]!();
    releases[2]!();
    expect((await Promise.all([...first, ...rest])).map((r) => r.messageId)).toEqual([1, 2, 3, 4, 5]);
  });

  it('writes the next batch all the same when every waiting send would wait (the hot conversation)', async () => {
    const { batcher, flushes, releases } = writer();
    const all = [batcher.send(send(11, ['G']))];
    await tick();
    all.push(batcher.send(send(12, ['G'])), batcher.send(send(13, ['G', 'H'])));
    await tick();
    expect(flushes).toEqual([[11], [12, 13]]);
    releases[0]!();
    releases[1]!();
    expect((await Promise.all(all)).map((r) => r.messageId)).toEqual([11, 12, 13]);
  });
});
