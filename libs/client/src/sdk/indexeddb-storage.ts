import type { Conversation, Message } from '@switchboard/proto/client-web';
import { byConversationSeq, conversationKey, type ClientStorage, type SyncState } from './storage.js';

// The parts of the IndexedDB API used here, typed locally so that the library needs no DOM typings.
interface IdbRequest<T> {
  result: T;
  error: unknown;
  onsuccess: (() => void) | null;
  onerror: (() => void) | null;
}
interface IdbOpenRequest extends IdbRequest<IdbDatabase> {
  onupgradeneeded: (() => void) | null;
}
interface IdbIndex {
  getAll(query: unknown): IdbRequest<StoredMessage[]>;
}
interface IdbStore {
  put(value: unknown, key?: unknown): unknown;
  get(key: unknown): IdbRequest<unknown>;
  createIndex(name: string, keyPath: string): unknown;
  index(name: string): IdbIndex;
}
interface IdbTransaction {
  objectStore(name: string): IdbStore;
  oncomplete: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
  error: unknown;
}
interface IdbDatabase {
  objectStoreNames: { contains(name: string): boolean };
  createObjectStore(name: string, options?: { keyPath?: string | string[] }): IdbStore;
  transaction(stores: string[], mode: 'readonly' | 'readwrite'): IdbTransaction;
  close(): void;
}
/** `indexedDB` (the browser's global, or `fake-indexeddb` in tests). */
export interface IdbFactory {
  open(name: string, version?: number): IdbOpenRequest;
}

type StoredMessage = Message & { key: string };

/**
 * Storage in the browser's IndexedDB (one database per `name`, e.g. per user and device): the sync
 * state and every message stored, by conversation and conversation_seq, so that a page reload
 * resumes from where it stopped and can show recent messages before the sync ends.
 */
export class IndexedDbStorage implements ClientStorage {
  private db: Promise<IdbDatabase> | undefined;

  constructor(
    private readonly name: string,
    private readonly factory: IdbFactory = (globalThis as { indexedDB?: IdbFactory }).indexedDB!,
  ) {}

  private open(): Promise<IdbDatabase> {
    this.db ??= new Promise((resolve, reject) => {
      const req = this.factory.open(this.name, 1);
      req.onupgradeneeded = () => {
        const db = req.result;
        if (!db.objectStoreNames.contains('state')) db.createObjectStore('state');
        if (!db.objectStoreNames.contains('messages'))
          db.createObjectStore('messages', { keyPath: ['key', 'conversationSeq', 'messageId'] }).createIndex(
            'byKey',
            'key',
          );
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    return this.db;
  }

  async load(): Promise<SyncState | undefined> {
    const db = await this.open();
    const tx = db.transaction(['state'], 'readonly');
    const value = await done(tx.objectStore('state').get('sync'));
    return (value as SyncState | undefined) ?? undefined;
  }

  async save(messages: readonly Message[], state: SyncState): Promise<void> {
    const db = await this.open();
    // One transaction: the state never claims messages that were not written.
    const tx = db.transaction(['messages', 'state'], 'readwrite');
    const store = tx.objectStore('messages');
    for (const m of messages)
      store.put({ ...m, key: conversationKey(m.conversation) } satisfies StoredMessage);
    tx.objectStore('state').put(state, 'sync');
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = tx.onabort = () => reject(tx.error);
    });
  }

  async recent(conversation: Conversation, limit: number): Promise<Message[]> {
    const db = await this.open();
    const tx = db.transaction(['messages'], 'readonly');
    const key = conversationKey(conversation);
    const all = await done(tx.objectStore('messages').index('byKey').getAll(key));
    const list = all.map(({ key: _key, ...m }) => m).sort(byConversationSeq);
    return list.slice(Math.max(0, list.length - limit));
  }

  /** Closes the database (e.g. before deleting it). */
  async close(): Promise<void> {
    if (this.db) (await this.db).close();
    this.db = undefined;
  }
}

function done<T>(req: IdbRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}
