import type { DirectSendInput, DirectSendResult, MessageRepository, Storage } from '@switchboard/storage';

/** Transactions and sends that went through `sendDirect` (or `append`), to tell how well group commit batched. */
export class BatchCounter {
  transactions = 0;
  sends = 0;

  /** Sends per transaction so far; NaN before the first. */
  get meanBatch(): number {
    return this.sends / this.transactions;
  }

  /** Wraps a sendDirect function so that every call is counted. */
  wrap<I = DirectSendInput, R = DirectSendResult>(
    sendDirect: (batch: readonly I[]) => Promise<R[]>,
  ): (batch: readonly I[]) => Promise<R[]> {
    return (batch) => {
      this.transactions++;
      this.sends += batch.length;
      return sendDirect(batch);
    };
  }

  /** The same storage, with `messages.sendDirect` and `append` counted; for code that takes a whole Storage. */
  wrapStorage(storage: Storage): Storage {
    const inner = storage.messages;
    const messages: MessageRepository = {
      append: this.wrap((batch) => inner.append(batch)),
      sendDirect: this.wrap((batch) => inner.sendDirect(batch)),
      syncInbox: (...args) => inner.syncInbox(...args),
      history: (query) => inner.history(query),
    };
    return {
      dialect: storage.dialect,
      apps: storage.apps,
      apiKeys: storage.apiKeys,
      users: storage.users,
      devices: storage.devices,
      messages,
      groups: storage.groups,
      conversations: storage.conversations,
      migrate: () => storage.migrate(),
      close: () => storage.close(),
    };
  }
}
