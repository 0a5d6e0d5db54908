/** What the admin console ranks: groups (stored) and rooms (live). */
export type TrafficKind = 'group' | 'room';

export interface TrafficEntry {
  id: string;
  messages: number;
}

export interface TopTraffic {
  groups: TrafficEntry[];
  rooms: TrafficEntry[];
  /** How far back the counts go (the full window, even while logic has run for less). */
  windowMs: number;
}

export interface ConversationTrafficOptions {
  /** Length of one bucket; the window is `buckets` of them. */
  bucketMs: number;
  buckets: number;
  /** Distinct conversations one bucket counts; past it new ones go uncounted until the next bucket. */
  maxPerBucket: number;
}

const DEFAULTS: ConversationTrafficOptions = { bucketMs: 60_000, buckets: 5, maxPerBucket: 10_000 };

/** One bucket: app -> kind -> id -> messages. */
type Bucket = { start: number; size: number; apps: Map<string, Record<TrafficKind, Map<string, number>>> };

/**
 * Messages per group and per room over the last few minutes, per app, for GetTopConversations. A
 * ring of per-minute buckets of counts: noting a message is a clock read and two Map updates, and
 * a bucket holds at most `maxPerBucket` conversations, so memory stays bounded whatever the traffic.
 * Counts are this logic instance's only (each instance sees the sends it handles).
 */
export class ConversationTraffic {
  private readonly options: ConversationTrafficOptions;
  private readonly ring: Bucket[] = [];

  constructor(
    options: Partial<ConversationTrafficOptions> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  note(appId: string, kind: TrafficKind, id: string): void {
    const bucket = this.current();
    let app = bucket.apps.get(appId);
    if (app === undefined) {
      if (bucket.size >= this.options.maxPerBucket) return;
      app = { group: new Map(), room: new Map() };
      bucket.apps.set(appId, app);
    }
    const counts = app[kind];
    const before = counts.get(id);
    if (before !== undefined) counts.set(id, before + 1);
    else if (bucket.size < this.options.maxPerBucket) {
      counts.set(id, 1);
      bucket.size++;
    }
  }

  /** The app's `limit` busiest groups and rooms over the window, busiest first (ties by id). */
  top(appId: string, limit: number): TopTraffic {
    const oldest = this.now() - this.options.bucketMs * this.options.buckets;
    const sums: Record<TrafficKind, Map<string, number>> = { group: new Map(), room: new Map() };
    for (const bucket of this.ring) {
      if (bucket.start <= oldest) continue;
      const app = bucket.apps.get(appId);
      if (app === undefined) continue;
      for (const kind of ['group', 'room'] as const) {
        for (const [id, n] of app[kind]) sums[kind].set(id, (sums[kind].get(id) ?? 0) + n);
      }
    }
    const ranked = (m: Map<string, number>): TrafficEntry[] =>
      [...m]
        .map(([id, messages]) => ({ id, messages }))
        .sort((a, b) => b.messages - a.messages || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .slice(0, limit);
    return {
      groups: ranked(sums.group),
      rooms: ranked(sums.room),
      windowMs: this.options.bucketMs * this.options.buckets,
    };
  }

  private current(): Bucket {
    const now = this.now();
    const head = this.ring[this.ring.length - 1];
    if (head !== undefined && now - head.start < this.options.bucketMs) return head;
    const bucket: Bucket = { start: now, size: 0, apps: new Map() };
    this.ring.push(bucket);
    if (this.ring.length > this.options.buckets) this.ring.shift();
    return bucket;
  }
}
