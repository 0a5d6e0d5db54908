import type { Clock } from './clock.js';
import type { GateCounters } from './metrics.js';
import type { GateSettings } from './settings.js';

/** The fewest sends a gate lets out at once however often logic refuses them. */
const MIN_SEND_LIMIT = 16;

/**
 * Admission control of the requests a gate forwards to logic: past saturation a request is refused
 * at once with a retryable code rather than queued until its deadline. Every request takes a slot
 * (`maxInflightRequests` in all); sends also go through an additive-increase, multiplicative-
 * decrease limit that shrinks when logic answers RATE_LIMITED, so the gate settles near what logic
 * takes and refuses the rest itself, at no cost to logic.
 */
export class Admission {
  /** Client requests forwarded to logic and not answered yet. */
  inflight = 0;
  /** Sends forwarded to logic and not answered yet, and how many may be (see {@link sendAnswered}). */
  inflightSends = 0;
  sendLimit: number;
  private readonly maxInflight: number;
  private readonly busyBackoffMs: number;
  /** Wall-clock ms until which sends are refused here, because logic last answered one RATE_LIMITED. */
  private sendsPausedUntil = 0;

  constructor(
    settings: Pick<GateSettings, 'maxInflightRequests' | 'busyBackoffMs'>,
    private readonly counters: GateCounters,
    private readonly clock: Clock,
  ) {
    this.maxInflight = settings.maxInflightRequests ?? 4096;
    this.busyBackoffMs = settings.busyBackoffMs ?? 100;
    this.sendLimit = this.maxInflight;
  }

  /**
   * Takes a slot for a request to logic, or false (counted) when `maxInflightRequests` are already
   * waiting. Every true must be matched by {@link release}.
   */
  admit(): boolean {
    if (this.inflight >= this.maxInflight) {
      this.counters.busyRejections++;
      return false;
    }
    this.inflight++;
    return true;
  }

  /** Gives back a slot taken by {@link admit} or {@link admitSend}. */
  release(): void {
    this.inflight--;
  }

  /**
   * Takes a slot for a send, or false (counted as a busy refusal) when sends are paused after logic
   * refused one, or `sendLimit` sends are already out. Every true must be matched by
   * {@link sendAnswered} and {@link release}.
   */
  admitSend(): boolean {
    if (this.sendsPausedUntil !== 0) {
      if (this.clock.now() < this.sendsPausedUntil) {
        this.counters.busyRejections++;
        return false;
      }
      this.sendsPausedUntil = 0;
    }
    if (this.inflightSends >= this.sendLimit) {
      this.counters.busyRejections++;
      return false;
    }
    if (!this.admit()) return false;
    this.inflightSends++;
    return true;
  }

  /**
   * A send admitted by {@link admitSend} was answered. `busy`: logic refused it RATE_LIMITED (it is
   * saturated): sends are refused here for `busyBackoffMs`, and the number of sends let out at once
   * is halved (once per back-off). Each `ok` raises that number by 1/limit (about one per round
   * trip), up to `maxInflightRequests`; other failures change nothing.
   */
  sendAnswered(outcome: 'ok' | 'busy' | 'failed'): void {
    this.inflightSends--;
    if (outcome === 'failed') return;
    if (outcome === 'ok') {
      if (this.sendLimit < this.maxInflight)
        this.sendLimit = Math.min(this.maxInflight, this.sendLimit + 1 / this.sendLimit);
      return;
    }
    if (this.busyBackoffMs <= 0) return;
    const now = this.clock.now();
    if (now < this.sendsPausedUntil) return;
    this.sendsPausedUntil = now + this.busyBackoffMs;
    this.sendLimit = Math.max(MIN_SEND_LIMIT, this.sendLimit / 2);
  }
}
