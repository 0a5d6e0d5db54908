import type {
  AppendInput,
  AppendResult,
  DirectSendInput,
  DirectSendResult,
  Storage,
} from '@switchboard/storage';

/**
 * A storage whose `append` and `sendDirect` answer at once without writing anything, with made-up
 * but well-formed seqs. It shows the ceiling of the gRPC path itself: what logic plus the load
 * generator reach when the database costs nothing. Only those two and `apps.get` work.
 */
export function stubStorage(): Storage {
  let next = 0;
  const fail = () => Promise.reject(new Error('not available in the stub storage'));
  return {
    dialect: 'mysql',
    apps: {
      create: fail,
      get: async () => undefined,
      list: async () => [],
      rotateTokenSecret: fail,
      updateSettings: fail,
    },
    apiKeys: { create: fail, list: async () => [], revoke: fail, findActive: async () => undefined },
    users: { upsert: fail, get: fail, getMany: fail, maxSeq: fail, setTags: fail, revokeTokens: fail },
    devices: {
      signIn: fail,
      signInMany: fail,
      get: fail,
      listByUser: fail,
      listByUsers: fail,
      ack: fail,
      remove: fail,
    },
    messages: {
      append: async (batch: readonly AppendInput[]): Promise<AppendResult[]> =>
        batch.map((input) => {
          next++;
          return {
            messageId: next,
            conversation: input.conversation,
            conversationSeq: next,
            inboxSeqs: input.inboxUserIds.map(() => next),
            sentAt: input.sentAt,
            duplicate: false,
          };
        }),
      sendDirect: async (batch: readonly DirectSendInput[]): Promise<DirectSendResult[]> =>
        batch.map((input) => {
          next++;
          return {
            messageId: next,
            senderSeq: next,
            recipientSeq: next,
            conversationSeq: next,
            conversationId: `${input.senderUserId}:${input.recipientUserId}`,
            sentAt: input.sentAt,
            duplicate: false,
          };
        }),
      syncInbox: fail,
      history: fail,
    },
    groups: {
      create: fail,
      get: fail,
      update: fail,
      dissolve: fail,
      addMembers: fail,
      removeMembers: fail,
      setLarge: fail,
      member: fail,
      memberIds: fail,
      sendTarget: fail,
      sendTargets: fail,
      listMembers: fail,
      list: fail,
      largeGroupIdsOf: fail,
      largeGroupIdsOfUsers: fail,
    },
    conversations: { markRead: fail, list: fail, readGroup: fail },
    migrate: async () => [],
    close: async () => {},
  };
}
