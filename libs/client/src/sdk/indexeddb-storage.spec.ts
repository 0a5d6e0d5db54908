import { IDBFactory } from 'fake-indexeddb';
import { ConversationType, type Message } from '@switchboard/proto/client-web';
import { describe, expect, it } from 'vitest';
import { IndexedDbStorage, type IdbFactory } from './indexeddb-storage.js';

function message(peer: string, conversationSeq: number, seq: number): Message {
  return {
    messageId: seq * 10,
    seq,
    conversation: { type: ConversationType.CONVERSATION_TYPE_USER, id: peer },
    sender: { userId: peer, deviceId: '' },
    contentType: 'text',
    content: new TextEncoder().encode(`m${conversationSeq}`),
    sentAt: 1,
    conversationSeq,
    clientMsgId: `c${seq}`,
  };
}

describe('IndexedDbStorage (fake-indexeddb)', () => {
  it('keeps the sync state and the messages across instances, newest last, without duplicates', async () => {
    const factory = new IDBFactory() as unknown as IdbFactory;
    const first = new IndexedDbStorage('sb-alice-d1', factory);
    expect(await first.load()).toBeUndefined();
    await first.save([message('bob', 1, 1), message('carol', 1, 2), message('bob', 2, 3)], {
      inboxSeq: 3,
      groupSeqs: { g1: 7 },
    });
    // The same message saved again (a restart re-syncing past the stored state) is stored once.
    await first.save([message('bob', 2, 3), message('bob', 3, 4)], { inboxSeq: 4, groupSeqs: { g1: 8 } });
    await first.close();

    const second = new IndexedDbStorage('sb-alice-d1', factory);
    expect(await second.load()).toEqual({ inboxSeq: 4, groupSeqs: { g1: 8 } });
    const bob = await second.recent({ type: ConversationType.CONVERSATION_TYPE_USER, id: 'bob' }, 2);
    expect(bob.map((m) => [m.conversationSeq, new TextDecoder().decode(m.content)])).toEqual([
      [2, 'm2'],
      [3, 'm3'],
    ]);
    expect(bob[0]).toEqual(message('bob', 2, 3));
    expect(await new IndexedDbStorage('sb-other', factory).load()).toBeUndefined();
  });
});
