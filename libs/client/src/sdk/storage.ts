import type { Conversation, Message } from '@switchboard/proto/client-web';

/** Where a device stands in the sync algorithm: what it holds with no gap (docs/protocol.md §6, §7). */
export interface SyncState {
  /** The highest inbox seq held with no gap below it. */
  inboxSeq: number;
  /** Per group id, the highest conversation_seq held with no gap below it. */
  groupSeqs: Record<string, number>;
}

/**
 * The storage port: what a client keeps across restarts, so that it syncs from where it stopped
 * instead of from the beginning. `save` gets the messages that joined the local store since the last
 * call together with the state that includes them: store both, messages first.
 */
export interface ClientStorage {
  load(): Promise<SyncState | undefined>;
  save(messages: readonly Message[], state: SyncState): Promise<void>;
  /** The newest `limit` messages stored of a conversation, oldest first. */
  recent(conversation: Conversation, limit: number): Promise<Message[]>;
}

/** A stable key for a conversation: `user:bob`, `group:g1`, `system:`. */
export function conversationKey(c: Conversation | undefined): string {
  const kinds: Record<number, string> = { 1: 'user', 2: 'group', 3: 'room', 4: 'system' };
  return `${kinds[c?.type ?? 0] ?? String(c?.type ?? 0)}:${c?.id ?? ''}`;
}

/** The order messages of one conversation are shown in. */
export function byConversationSeq(a: Message, b: Message): number {
  return a.conversationSeq - b.conversationSeq || a.seq - b.seq;
}

/** The default storage: in memory, gone when the process (or page) ends. */
export class MemoryStorage implements ClientStorage {
  private state: SyncState | undefined;
  private readonly byConversation = new Map<string, Message[]>();

  async load(): Promise<SyncState | undefined> {
    return this.state && structuredClone(this.state);
  }

  async save(messages: readonly Message[], state: SyncState): Promise<void> {
    for (const m of messages) {
      const key = conversationKey(m.conversation);
      let list = this.byConversation.get(key);
      if (!list) this.byConversation.set(key, (list = []));
      list.push(m);
    }
    this.state = structuredClone(state);
  }

  async recent(conversation: Conversation, limit: number): Promise<Message[]> {
    const list = [...(this.byConversation.get(conversationKey(conversation)) ?? [])].sort(byConversationSeq);
    return list.slice(Math.max(0, list.length - limit));
  }
}
