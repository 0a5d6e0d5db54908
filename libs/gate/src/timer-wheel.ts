/** Fields a {@link TimerWheel} keeps on each entry, so that scheduling allocates nothing. */
export interface WheelEntry {
  /** When the entry is due (ms); meaningful while scheduled. */
  wheelDue: number;
  /** Index of the bucket holding the entry, -1 when not scheduled. */
  wheelSlot: number;
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

/**
 * One coarse hashed timer wheel for every connection of a gate, instead of a timer (and closure)
 * per connection. Entries sit in the bucket of their deadline; {@link advance} visits the buckets
 * that came due since the last call. Callers that see activity do not reschedule: they record the
 * activity on the entry and re-arm it from `onDue` (lazy re-bucketing), so the hot path does no
 * wheel work at all.
 */
export class TimerWheel<T extends WheelEntry> {
  private readonly buckets: Set<T>[];
  private readonly tickMs: number;
  private readonly onDue: (entry: T, now: number) => void;
  /** The last tick number whose bucket was processed. */
  private cursor: number;
  private count = 0;

  constructor(options: TimerWheelOptions<T>) {
    this.tickMs = options.tickMs;
    this.onDue = options.onDue;
    this.buckets = Array.from({ length: options.slots }, () => new Set<T>());
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
    const slot = tick % this.buckets.length;
    this.buckets[slot]!.add(entry);
    entry.wheelSlot = slot;
    entry.wheelDue = dueAt;
    this.count++;
  }

  /** Unschedules `entry`; does nothing when it is not scheduled. */
  cancel(entry: T): void {
    if (entry.wheelSlot < 0) return;
    if (this.buckets[entry.wheelSlot]!.delete(entry)) this.count--;
    entry.wheelSlot = -1;
  }

  /** Processes every bucket up to `now`, calling `onDue` for entries whose deadline has passed. */
  advance(now: number): void {
    const target = Math.floor(now / this.tickMs);
    // After a long pause one lap visits every bucket; more laps would see the same buckets again.
    if (target - this.cursor > this.buckets.length) this.cursor = target - this.buckets.length;
    while (this.cursor < target) {
      this.cursor++;
      const bucket = this.buckets[this.cursor % this.buckets.length]!;
      for (const entry of bucket) {
        // Entries of a later lap share the bucket and stay.
        if (entry.wheelDue > now) continue;
        bucket.delete(entry);
        entry.wheelSlot = -1;
        this.count--;
        this.onDue(entry, now);
      }
    }
  }
}
