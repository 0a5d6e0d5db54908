import { ErrorCode } from '@switchboard/protocol';
import type { AppendInput, AppendResult, Storage } from '@switchboard/storage';
import { describe, expect, it } from 'vitest';
import type { SendInput } from './domain.js';
import { logicCounters } from './logic-metrics.js';
import { MessageService } from './message-service.js';
import { MessageStore } from './message-store.js';
import type { GroupMessaging } from './groups/group-messaging.js';
import type { RoomMessaging } from './room-messaging.js';
import type { PushBatcher } from './push-batcher.js';
import type { SendBatcher } from './send-batcher.js';

const caller = { appId: 'a', userId: 'alice', deviceId: 'd1' };
const request = (id: string): SendInput => ({
  clientMsgId: id,
  to: { type: 'user', id: 'bob' },
  contentType: 'text',
  content: Buffer.from('hi'),
});

/** A MessageService whose push backlog is whatever the test sets, over a batcher that records sends. */
function service(maxPushBacklog: number, maxPushLagMs = 1000) {
  const stored: string[] = [];
  const batcher = {
    send: async (input: AppendInput): Promise<AppendResult> => {
      stored.push(input.clientMsgId);
      return {
        messageId: stored.length,
        conversation: input.conversation,
        conversationSeq: stored.length,
        inboxSeqs: input.inboxUserIds.map(() => stored.length),
        sentAt: input.sentAt,
        duplicate: false,
      };
    },
  } as unknown as SendBatcher;
  const pushes = {
    backlog: 0,
    lag: 0,
    routeFailing: false,
    oldestWaitMs: () => pushes.lag,
    push: async () => undefined,
  };
  const counters = logicCounters();
  const limits = {
    maxContentBytes: 1000,
    syncLimitMax: 100,
    syncMaxBytes: 1 << 20,
    maxPushBacklog,
    maxPushLagMs,
  };
  const store = new MessageStore(batcher, pushes as unknown as PushBatcher, limits, counters);
  const messages = new MessageService(
    {} as Storage,
    store,
    pushes as unknown as PushBatcher,
    limits,
    counters,
    // Only 1:1 sends here: the group and room paths are never reached.
    {} as GroupMessaging,
    {} as RoomMessaging,
  );
  return { messages, pushes, stored, counters };
}

describe('MessageService admission on the push backlog', () => {
  it('stores sends while fewer than maxPushBacklog pushes are undelivered', async () => {
    const { messages, pushes, stored } = service(10);
    pushes.backlog = 9;
    await expect(messages.send(caller, request('m1'))).resolves.toMatchObject({ messageId: 1 });
    expect(stored).toEqual(['m1']);
  });

  it('refuses sends with RATE_LIMITED, unstored, once maxPushBacklog pushes are undelivered', async () => {
    const { messages, pushes, stored, counters } = service(10);
    pushes.backlog = 10;
    await expect(messages.send(caller, request('m1'))).rejects.toMatchObject({
      code: ErrorCode.ERROR_CODE_RATE_LIMITED,
    });
    expect(stored).toEqual([]);
    expect(counters.get('sends_refused_push_backlog')).toBe(1);
    pushes.backlog = 3;
    await expect(messages.send(caller, request('m1'))).resolves.toMatchObject({ messageId: 1 });
  });

  it('refuses sends while the oldest undelivered push has waited maxPushLagMs', async () => {
    const { messages, pushes, stored, counters } = service(10, 500);
    pushes.lag = 500;
    await expect(messages.send(caller, request('m1'))).rejects.toMatchObject({
      code: ErrorCode.ERROR_CODE_RATE_LIMITED,
    });
    expect(stored).toEqual([]);
    expect(counters.get('sends_refused_push_backlog')).toBe(1);
    pushes.lag = 499;
    await expect(messages.send(caller, request('m1'))).resolves.toMatchObject({ messageId: 1 });
  });

  it('keeps storing sends while route is failing: those pushes end in SYNC_HINTs, not in a queue', async () => {
    const { messages, pushes, stored } = service(10, 500);
    pushes.backlog = 10;
    pushes.lag = 5000;
    pushes.routeFailing = true;
    await expect(messages.send(caller, request('m1'))).resolves.toMatchObject({ messageId: 1 });
    expect(stored).toEqual(['m1']);
  });
});
