import { ConversationType, type Message, type SyncResponse } from '@switchboard/proto/client';
import { describe, expect, it } from 'vitest';
import { GroupTracker } from './group-tracker.js';
import type { SwitchboardClient } from './switchboard-client.js';

const GROUP = ConversationType.CONVERSATION_TYPE_GROUP;

function message(groupId: string, conversationSeq: number): Message {
  return {
    messageId: conversationSeq,
    seq: 0,
    conversation: { type: GROUP, id: groupId },
    sender: { userId: 'u', deviceId: '' },
    contentType: 'text',
    content: Buffer.from(String(conversationSeq)),
    sentAt: 1,
    conversationSeq,
    clientMsgId: `m${conversationSeq}`,
  };
}

/** A server holding one group's messages after `joinSeq`, answering SYNC_GROUP in pages of 2. */
function fakeServer(stored: number[], joinSeq = 0) {
  const calls: number[] = [];
  const client = {
    syncGroup: async (groupId: string, afterSeq: number): Promise<SyncResponse> => {
      calls.push(afterSeq);
      const visible = stored.filter((s) => s > Math.max(afterSeq, joinSeq));
      const page = visible.slice(0, 2);
      return {
        messages: page.map((s) => message(groupId, s)),
        hasMore: visible.length > page.length,
        maxSeq: Math.max(0, ...stored),
      };
    },
    conversations: async () => ({
      conversations: [
        {
          conversation: { type: GROUP, id: 'g' },
          maxSeq: Math.max(0, ...stored),
          readSeq: 0,
          unreadCount: 0,
          large: true,
          lastActiveAt: 1,
          joinSeq,
          lastMessage: undefined,
        },
      ],
      nextCursor: '',
    }),
  } as unknown as SwitchboardClient;
  return { client, calls };
}

describe('GroupTracker (docs/protocol.md §7)', () => {
  it('holds each (group, conversation_seq) once, whatever the source', async () => {
    const { client, calls } = fakeServer([1, 2, 3]);
    const t = new GroupTracker(() => client, 0);
    expect(await t.accept(message('g', 1))).toBe(true);
    expect(await t.accept(message('g', 2))).toBe(true);
    expect(await t.accept(message('g', 2))).toBe(false);
    expect(await t.accept(message('g', 1))).toBe(false);
    expect(t.stats.duplicates).toBe(2);
    expect(t.completeThrough('g')).toBe(2);
    expect(calls).toEqual([]);
  });

  it('repairs a gap with SYNC_GROUP from the highest seq held without one, paging to the end', async () => {
    const { client, calls } = fakeServer([1, 2, 3, 4, 5, 6]);
    const t = new GroupTracker(() => client, 0);
    await t.accept(message('g', 1));
    await t.accept(message('g', 6));
    expect(t.stats.gapSyncs).toBe(1);
    // The third page starts past 6, which the device held already.
    expect(calls).toEqual([1, 3, 6]);
    expect(t.messages('g').map((m) => m.conversationSeq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(t.completeThrough('g')).toBe(6);
  });

  it('takes a member who joined later as complete from the first seq the server gives', async () => {
    const { client, calls } = fakeServer([1, 2, 3, 4, 5, 6, 7], 4);
    const t = new GroupTracker(() => client, 0);
    await t.accept(message('g', 6));
    expect(calls).toEqual([0, 6]);
    expect(t.messages('g').map((m) => m.conversationSeq)).toEqual([5, 6, 7]);
    expect(t.completeThrough('g')).toBe(7);
  });

  it('catches up the groups of the conversation list that have messages past what it holds', async () => {
    const { client, calls } = fakeServer([1, 2, 3]);
    const t = new GroupTracker(() => client, 0);
    await t.catchUp();
    expect(t.messages('g').map((m) => m.conversationSeq)).toEqual([1, 2, 3]);
    await t.catchUp();
    expect(calls).toEqual([0, 2]);
  });

  it('waits a grace for late pushes before it syncs a gap', async () => {
    const { client, calls } = fakeServer([1, 2, 3]);
    const t = new GroupTracker(() => client, 30);
    await t.accept(message('g', 1));
    const early = t.accept(message('g', 3));
    await t.accept(message('g', 2));
    await early;
    expect(calls).toEqual([]);
    expect(t.stats.gapSyncs).toBe(0);
    expect(t.completeThrough('g')).toBe(3);
  });

  it('ignores what is not a stored group message', async () => {
    const { client } = fakeServer([]);
    const t = new GroupTracker(() => client, 0);
    expect(await t.accept({ ...message('r', 0), conversation: { type: GROUP, id: 'r' } })).toBe(false);
    expect(
      await t.accept({
        ...message('x', 3),
        conversation: { type: ConversationType.CONVERSATION_TYPE_USER, id: 'x' },
      }),
    ).toBe(false);
  });
});
