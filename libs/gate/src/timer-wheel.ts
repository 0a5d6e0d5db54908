/**
 * Fields a {@link TimerWheel} keeps on each entry, so that scheduling allocates nothing: the
 * entries of a bucket form a ring through them, with no set entry per scheduled entry.
 */
export interface WheelEntry {
  /** When the entry is due (ms); meaningful while scheduled. */
  wheelDue: number;
  /** The next entry of its bucket's ring; undefined when not scheduled. */
  wheelNext: WheelEntry | undefined;
  /** The previous entry of its bucket's ring; undefined when not scheduled. */
  wheelPrev: WheelEntry | undefined;
}

export interface TimerWheelOptions<T extends WheelEntry> {
  /** Resolution of the wheel: deadlines are rounded up to a multiple of this (ms). */
  tickMs: number;
  /** Number of buckets; deadlines further than `slots * tickMs` away wait one more lap. */
  slots: number;
  /** Time the wheel starts at (ms). */
  startAt: number;
  /** Called once for each entry whose deadline has passed; the entry is already unscheduled. */
  onDue(entry: T, now: number): void;
}

/** The head of a bucket's ring: an entry that is never due. */
function ring(): WheelEntry {
  const head: WheelEntry = { wheelDue: Infinity, wheelNext: undefined, wheelPrev: undefined };
  head.wheelNext = head.wheelPrev = head;
  return head;
}

/**
 * Marks an entry taken out of its bucket because it is due, until its `onDue` runs: cancelling or
 * rescheduling it in between (from another entry's `onDue`) clears the mark, and it does not fire.
 */
const FIRING: WheelEntry = { wheelDue: Infinity, wheelNext: undefined, wheelPrev: undefined };

/**
 * One coarse hashed timer wheel for every connection of a gate, instead of a timer (and closure)
 * per connection. Entries sit in the bucket of their deadline; {@link advance} visits the buckets
 * that came due since the last call. Callers that see activity do not reschedule: they record the
 * activity on the entry and re-arm it from `onDue` (lazy re-bucketing), so the hot path does no
 * wheel work at all.
 */
export class TimerWheel<T extends WheelEntry> {
  private readonly buckets: WheelEntry[];
  private readonly tickMs: number;
  private readonly onDue: (entry: T, now: number) => void;
  /** The last tick number whose bucket was processed. */
  private cursor: number;
  private count = 0;
  /** The due entries of the bucket being processed (reused, empty between calls). */
  private readonly firing: T[] = [];

  constructor(options: TimerWheelOptions<T>) {
    this.tickMs = options.tickMs;
    this.onDue = options.onDue;
    this.buckets = Array.from({ length: options.slots }, ring);
    this.cursor = Math.floor(options.startAt / options.tickMs);
  }

  /** Number of scheduled entries. */
  get size(): number {
    return this.count;
  }

  /** Schedules (or moves) `entry` to fire at `dueAt`; never earlier than the next tick. */
  schedule(entry: T, dueAt: number): void {
    this.cancel(entry);
    const tick = Math.max(Math.ceil(dueAt / this.tickMs), this.cursor + 1);
    const head = this.buckets[tick % this.buckets.length]!;
    const last = head.wheelPrev!;
    entry.wheelPrev = last;
    entry.wheelNext = head;
    last.wheelNext = entry;
    head.wheelPrev = entry;
    entry.wheelDue = dueAt;
    this.count++;
  }

  /** Unschedules `entry`; does nothing when it is not scheduled. */
  cancel(entry: T): void {
    const next = entry.wheelNext;
    if (next === undefined) return;
    if (next !== FIRING) {
      const prev = entry.wheelPrev!;
      prev.wheelNext = next;
      next.wheelPrev = prev;
      this.count--;
    }
    entry.wheelNext = entry.wheelPrev = undefined;
  }

  /** Processes every bucket up to `now`, calling `onDue` for entries whose deadline has passed. */
  advance(now: number): void {
    const target = Math.floor(now / this.tickMs);
    // After a long pause one lap visits every bucket; more laps would see the same buckets again.
    if (target - this.cursor > this.buckets.length) this.cursor = target - this.buckets.length;
    const firing = this.firing;
    while (this.cursor < target) {
      this.cursor++;
      const head = this.buckets[this.cursor % this.buckets.length]!;
      // Take the due entries out first: an `onDue` may cancel or reschedule any entry.
      for (let entry = head.wheelNext!; entry !== head;) {
        const next = entry.wheelNext!;
        // Entries of a later lap share the bucket and stay.
        if (entry.wheelDue <= now) {
          this.cancel(entry as T);
          entry.wheelNext = FIRING;
          firing.push(entry as T);
        }
        entry = next;
      }
      for (let i = 0; i < firing.length; i++) {
        const entry = firing[i]!;
        if (entry.wheelNext !== FIRING) continue;
        entry.wheelNext = undefined;
        this.onDue(entry, now);
      }
      firing.length = 0;
    }
  }
}
