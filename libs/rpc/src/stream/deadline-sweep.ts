/**
 * One interval timer for the deadlines of many calls (a streamed client's frames, a stream
 * server's handlers), instead of a timer per call. It runs while `idle()` is false, and calls
 * `sweep(now)` only once the earliest deadline it was told of has come; `sweep` settles what is
 * overdue and returns the earliest deadline left.
 */
export class DeadlineSweep {
  private timer: NodeJS.Timeout | undefined;
  /** Nothing is due before this (Unix ms), so a tick before it has nothing to do. */
  private earliest = Infinity;

  constructor(
    private readonly everyMs: number,
    private readonly idle: () => boolean,
    private readonly sweep: (now: number) => number,
  ) {}

  /** Something due at `deadline` (Unix ms, Infinity for never) is outstanding. */
  add(deadline: number): void {
    if (deadline < this.earliest) this.earliest = deadline;
    if (!this.timer) {
      this.timer = setInterval(this.tick, this.everyMs);
      this.timer.unref();
    }
  }

  private readonly tick = (): void => {
    if (this.idle()) {
      clearInterval(this.timer);
      this.timer = undefined;
      this.earliest = Infinity;
      return;
    }
    const now = Date.now();
    if (now >= this.earliest) this.earliest = this.sweep(now);
  };
}
