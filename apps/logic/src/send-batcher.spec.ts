import type { DirectSendInput, DirectSendResult } from '@switchboard/storage';
import { describe, expect, it } from 'vitest';
import { SendBatcher } from './send-batcher.js';

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

describe('SendBatcher (group commit)', () => {
  it('gathers concurrent sends into one flush and answers each with its own result', async () => {
    const flushes: number[] = [];
    const batcher = new SendBatcher(
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

  it('caps a batch at maxSize and flushes what queued during a flush as the next batch', async () => {
    const flushes: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const batcher = new SendBatcher(
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
    const batcher = new SendBatcher(
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
