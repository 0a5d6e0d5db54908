/** One point of a live chart: when, and the rate per second since the point before. */
export interface RatePoint {
  at: number;
  perSecond: number;
}

/**
 * Turns polled totals (counters since the server started) into a rate per second over a sliding
 * window. A total that went down means the server restarted: that point starts over at 0.
 */
export class RateSeries {
  readonly points: RatePoint[] = [];
  private last: { at: number; total: number } | undefined;

  constructor(private readonly windowMs: number) {}

  add(at: number, total: number): void {
    const last = this.last;
    this.last = { at, total };
    if (last === undefined || at <= last.at) return;
    const perSecond = total >= last.total ? ((total - last.total) * 1000) / (at - last.at) : 0;
    this.points.push({ at, perSecond });
    while (this.points.length > 0 && this.points[0]!.at < at - this.windowMs) this.points.shift();
  }

  /** The latest rate, 0 before two polls. */
  get current(): number {
    return this.points[this.points.length - 1]?.perSecond ?? 0;
  }
}
