import type { Frame } from './request-frame.js';

/**
 * Frames waiting out a back-off before they are handed to a stream (again): resends, and calls
 * made while no stream may be opened. One timer for all of them, set for the earliest; a frame
 * settled meanwhile (its deadline passed) is skipped when it comes up.
 */
export class WaitingFrames {
  private frames: Frame[] = [];
  private timer: NodeJS.Timeout | undefined;
  private wakeAt = Infinity;

  constructor(private readonly dispatch: (frame: Frame) => void) {}

  /** Holds `frame` until `at` (Unix ms). */
  add(frame: Frame, at: number): void {
    frame.waitUntil = at;
    this.frames.push(frame);
    if (at < this.wakeAt) this.arm(at);
  }

  /** Takes every waiting frame out, for the caller to fail (the client is closing). */
  takeAll(): Frame[] {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.wakeAt = Infinity;
    const frames = this.frames.filter((f) => !f.done);
    this.frames = [];
    return frames;
  }

  private arm(at: number): void {
    clearTimeout(this.timer);
    this.wakeAt = at;
    this.timer = setTimeout(this.wake, Math.max(0, at - Date.now()));
    this.timer.unref();
  }

  private readonly wake = (): void => {
    this.timer = undefined;
    this.wakeAt = Infinity;
    const now = Date.now();
    const due: Frame[] = [];
    const later: Frame[] = [];
    let next = Infinity;
    for (const f of this.frames) {
      if (f.done) continue;
      if (f.waitUntil <= now) due.push(f);
      else {
        later.push(f);
        if (f.waitUntil < next) next = f.waitUntil;
      }
    }
    this.frames = later;
    if (next !== Infinity) this.arm(next);
    // Dispatching may hold a frame again (add), which arms the timer for it.
    for (const f of due) this.dispatch(f);
  };
}
