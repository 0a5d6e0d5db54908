import { ConversationType, type Message } from '@switchboard/proto/client-web';

/** What the group algorithm needs of a message (the Node and the browser Message types both fit). */
export interface GroupMessage {
  conversation?: { type: number; id: string } | undefined;
  conversationSeq: number;
}

/** The two requests the group algorithm makes: SYNC_GROUP and CONVERSATIONS (a SwitchboardClient fits). */
export interface GroupSource<M extends GroupMessage> {
  syncGroup(groupId: string, afterSeq: number): Promise<{ messages: M[]; hasMore: boolean }>;
  conversations(
    cursor: string,
    limit: number,
  ): Promise<{
    conversations: Array<{ conversation?: { type: number; id: string } | undefined; maxSeq: number }>;
    nextCursor: string;
  }>;
}

/** Options of {@link GroupTracker} beyond the source and the grace. */
export interface GroupTrackerOptions<M> {
  /** Called once for every group message newly held, whatever brought it. */
  onHeld?: (m: M) => void;
  /** Keep the messages held (for {@link GroupTracker.messages}); false keeps only those past a gap. Default true. */
  keepMessages?: boolean;
}

interface GroupState<M> {
  /** Messages held, by conversation seq. */
  held: Map<number, M>;
  /** Every message the member may see up to this conversation seq is held. */
  complete: number;
  /** A SYNC_GROUP of this group is running; a gap found meanwhile runs one more after it. */
  syncing: Promise<void> | undefined;
  again: boolean;
}

/** What the tracker did so far. */
export interface GroupTrackerStats {
  /** Group messages offered that were held already (by group and conversation seq): dropped. */
  duplicates: number;
  /** SYNC_GROUPs started because a message skipped a conversation seq. */
  gapSyncs: number;
}

/**
 * The group part of the client algorithm of docs/protocol.md §7, as a reference implementation: a
 * group message is identified by (group id, conversation_seq) wherever it comes from (an inbox push
 * or SYNC page of a small group, a room push of a large group, a SYNC_GROUP page, the sender's own
 * SendResponse), held once, and a skipped conversation seq is repaired with SYNC_GROUP from the
 * highest seq held without a gap, after a short grace in which late pushes may fill it. `catchUp` is what a device does after (re)connecting: read the
 * conversation list and SYNC_GROUP every group that has messages past what the device holds.
 */
export class GroupTracker<M extends GroupMessage = Message> {
  private readonly groups = new Map<string, GroupState<M>>();
  readonly stats: GroupTrackerStats = { duplicates: 0, gapSyncs: 0 };

  /**
   * `graceMs`: how long a gap may wait for the pushes that fill it before SYNC_GROUP (pushes may
   * arrive out of order; a large group's members would otherwise all sync at once). Default 250.
   */
  constructor(
    private readonly client: () => GroupSource<M>,
    private readonly graceMs = 250,
    private readonly options: GroupTrackerOptions<M> = {},
  ) {}

  /** Starts a group from what a device stored earlier: every message up to `complete` is held. */
  restore(groupId: string, complete: number): void {
    const state = this.state(groupId);
    state.complete = Math.max(state.complete, complete);
    this.advance(state);
  }

  /** Every group known, with its complete-through conversation seq (what a device stores). */
  groupSeqs(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [groupId, state] of this.groups) out[groupId] = state.complete;
    return out;
  }

  /**
   * Offers a message without waiting: returns true when it was new. A gap is repaired in the
   * background after the grace (a failed repair is left to the next catch-up).
   */
  offer(m: M): boolean {
    const groupId = groupOf(m);
    if (groupId === undefined || m.conversationSeq === 0) return false;
    const state = this.state(groupId);
    const fresh = this.hold(state, m);
    if (fresh && m.conversationSeq > state.complete + 1) void this.repair(groupId, state, m).catch(() => {});
    return fresh;
  }

  /**
   * Offers a message; anything but a stored group message is ignored. Resolves true when it was new.
   * A gap starts a SYNC_GROUP (awaited here, so that a caller can tell when the group is whole again).
   */
  async accept(m: M): Promise<boolean> {
    const groupId = groupOf(m);
    if (groupId === undefined || m.conversationSeq === 0) return false;
    const state = this.state(groupId);
    const fresh = this.hold(state, m);
    if (fresh && m.conversationSeq > state.complete + 1) await this.repair(groupId, state, m);
    return fresh;
  }

  private async repair(groupId: string, state: GroupState<M>, m: M): Promise<void> {
    if (this.graceMs > 0) await new Promise((resolve) => setTimeout(resolve, this.graceMs));
    // Still not reached: something between was lost, not just late.
    if (state.complete < m.conversationSeq) {
      this.stats.gapSyncs++;
      await this.sync(groupId);
    }
  }

  /** The group's messages held, in conversation seq order. */
  messages(groupId: string): M[] {
    const state = this.groups.get(groupId);
    return state ? [...state.held.values()].sort((a, b) => a.conversationSeq - b.conversationSeq) : [];
  }

  /** The highest conversation seq of the group held with no gap below it (0 when unknown). */
  completeThrough(groupId: string): number {
    return this.groups.get(groupId)?.complete ?? 0;
  }

  /** Reads the group with SYNC_GROUP from what is held without a gap, until nothing more follows. */
  async sync(groupId: string): Promise<void> {
    const state = this.state(groupId);
    if (state.syncing) {
      state.again = true;
      return state.syncing;
    }
    state.syncing = (async () => {
      try {
        do {
          state.again = false;
          for (;;) {
            const page = await this.client().syncGroup(groupId, state.complete);
            for (const m of page.messages) this.hold(state, m);
            // What SYNC_GROUP returns is every message the member may see in (after_seq, last]:
            // even when the first one is not after_seq + 1 (the member joined later), there is no gap.
            const last = page.messages.at(-1);
            if (last) state.complete = Math.max(state.complete, last.conversationSeq);
            this.advance(state);
            if (!page.hasMore || !last) break;
          }
        } while (state.again);
      } finally {
        state.syncing = undefined;
      }
    })();
    return state.syncing;
  }

  /** After (re)connecting: every group of the conversation list with messages past what is held gets synced. */
  async catchUp(): Promise<void> {
    let cursor = '';
    const behind: string[] = [];
    do {
      const page = await this.client().conversations(cursor, 100);
      for (const c of page.conversations) {
        if (c.conversation?.type !== ConversationType.CONVERSATION_TYPE_GROUP) continue;
        if (c.maxSeq > this.completeThrough(c.conversation.id)) behind.push(c.conversation.id);
      }
      cursor = page.nextCursor;
    } while (cursor !== '');
    for (const groupId of behind) await this.sync(groupId);
  }

  private state(groupId: string): GroupState<M> {
    let state = this.groups.get(groupId);
    if (!state) {
      state = { held: new Map(), complete: 0, syncing: undefined, again: false };
      this.groups.set(groupId, state);
    }
    return state;
  }

  private hold(state: GroupState<M>, m: M): boolean {
    if (m.conversationSeq <= state.complete || state.held.has(m.conversationSeq)) {
      this.stats.duplicates++;
      return false;
    }
    state.held.set(m.conversationSeq, m);
    this.options.onHeld?.(m);
    this.advance(state);
    return true;
  }

  private advance(state: GroupState<M>): void {
    while (state.held.has(state.complete + 1)) state.complete++;
    if (this.options.keepMessages === false)
      for (const seq of state.held.keys()) if (seq <= state.complete) state.held.delete(seq);
  }
}

function groupOf(m: GroupMessage): string | undefined {
  return m.conversation?.type === ConversationType.CONVERSATION_TYPE_GROUP ? m.conversation.id : undefined;
}
