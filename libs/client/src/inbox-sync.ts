/** What the inbox algorithm needs of a message: its inbox seq (0 when it is not an inbox message). */
export interface SeqMessage {
  seq: number;
}

/** One SYNC page, as the server answers it. */
export interface SeqPage<M> {
  messages: M[];
  hasMore: boolean;
}

/** What {@link InboxSync} did so far. */
export interface InboxSyncStats {
  /** Messages carrying a seq the inbox already held (or held ahead): dropped, as docs/protocol.md says. */
  duplicates: number;
  /** Syncs started because a seq was skipped and the grace passed without it. */
  gapSyncs: number;
}

/** Options of {@link InboxSync}. */
export interface InboxSyncOptions<M> {
  /** The highest seq held with no gap below it when starting (e.g. from local storage). Default 0. */
  lastSeq?: number;
  /** Called once per message, in seq order, when it joins the inbox. */
  onStored: (m: M) => void;
  /** How long a gap may wait for the pushes that fill it before a sync (docs/protocol.md §6). Default 200 ms. */
  gapGraceMs?: number;
}

/**
 * The inbox part of the client algorithm of docs/protocol.md §6, without a connection: messages
 * (pushes, SYNC pages, the sender's own SendResponse) are stored in seq order and once; a message
 * past a gap is kept aside, and when the gap is still open after the grace a sync runs from
 * `lastSeq`. Syncs run one at a time through the page source given to {@link sync}; asking for one
 * while one runs repeats it once afterwards. InboxClient and the SDK's Switchboard both build on it.
 */
export class InboxSync<M extends SeqMessage> {
  readonly stats: InboxSyncStats = { duplicates: 0, gapSyncs: 0 };
  private last: number;
  /** Messages that arrived ahead of a gap, waiting for the sync that fills it. */
  private readonly ahead = new Map<number, M>();
  private gapTimer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  /** Where the grace timer's sync reads pages; unset while disconnected (the reconnect syncs). */
  private source: ((afterSeq: number) => Promise<SeqPage<M>>) | undefined;

  constructor(private readonly options: InboxSyncOptions<M>) {
    this.last = options.lastSeq ?? 0;
  }

  /** The highest seq held with no gap below it. */
  get lastSeq(): number {
    return this.last;
  }

  /** Sets (or clears, while disconnected) where gap syncs read their pages. */
  setSource(source: ((afterSeq: number) => Promise<SeqPage<M>>) | undefined): void {
    this.source = source;
  }

  /**
   * Offers a message; seq 0 (not an inbox message) is ignored. Returns 'stored' when it extended
   * the inbox, 'ahead' when it waits past a gap, 'duplicate' when it was held already.
   */
  accept(m: M): 'stored' | 'ahead' | 'duplicate' | 'ignored' {
    if (m.seq === 0) return 'ignored';
    if (m.seq <= this.last || this.ahead.has(m.seq)) {
      this.stats.duplicates++;
      return 'duplicate';
    }
    if (m.seq > this.last + 1) {
      this.ahead.set(m.seq, m);
      this.syncIfStillBehind();
      return 'ahead';
    }
    this.store(m);
    for (let next = this.ahead.get(this.last + 1); next; next = this.ahead.get(this.last + 1)) {
      this.ahead.delete(next.seq);
      this.store(next);
    }
    return 'stored';
  }

  /** Asks for a sync from `lastSeq` now (a SYNC_HINT, a reconnect); nothing happens while disconnected. */
  requestSync(): void {
    const source = this.source;
    if (source === undefined) return;
    void this.sync(source).catch(() => {
      // The connection is gone: the reconnect syncs.
    });
  }

  /** Pages SYNC from lastSeq while has_more; one sync at a time, repeated once if asked meanwhile. */
  sync(source: (afterSeq: number) => Promise<SeqPage<M>>): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          for (;;) {
            const page = await source(this.last);
            for (const m of page.messages) this.accept(m);
            if (!page.hasMore || page.messages.length === 0) break;
          }
        } while (this.again);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /** Resolves when no sync runs (a failed one counts as ended). */
  async idle(): Promise<void> {
    while (this.running) await this.running.catch(() => {});
  }

  /** Stops the grace timer (the owner is closing). */
  dispose(): void {
    clearTimeout(this.gapTimer);
    this.gapTimer = undefined;
    this.source = undefined;
  }

  private store(m: M): void {
    this.last = m.seq;
    this.options.onStored(m);
  }

  private syncIfStillBehind(): void {
    if (this.gapTimer) return;
    this.gapTimer = setTimeout(() => {
      this.gapTimer = undefined;
      if (this.ahead.size === 0 || this.source === undefined) return;
      this.stats.gapSyncs++;
      this.requestSync();
    }, this.options.gapGraceMs ?? 200);
  }
}
