import type { Logger } from '@switchboard/log';
import type { Counters } from '@switchboard/metrics';
import type { RouteStore } from '@switchboard/route-store';
import type { GatePool } from './gate-pool.js';
import type { RouteCounter } from './route-metrics.js';

export interface LeaseExpiryOptions {
  /** Where expired gate leases are found and removed with their bindings. */
  store: Pick<RouteStore, 'expireGates'>;
  /** Its cached gate list is dropped after gates expire. */
  gates: Pick<GatePool, 'invalidate'>;
  /** Counts `expired_gates`. */
  counters: Counters<RouteCounter>;
  log: Logger;
  /** How often to sweep (`route.expireEveryMs`). */
  everyMs: number;
}

/**
 * Removes the gates whose lease lapsed, every `everyMs`, with their bindings and room memberships.
 * Several route instances may sweep at once: the store reports each expired gate to one sweep only,
 * so each is counted and logged once. A failed sweep is logged at error level and the next one runs
 * as usual. The timer is unref'd: it never keeps the process alive.
 */
export class LeaseExpiry {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: LeaseExpiryOptions) {}

  /** Starts sweeping every `everyMs` (the first sweep after one interval); a second call does nothing. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sweep(), this.options.everyMs);
    this.timer.unref();
  }

  /** Stops sweeping; a sweep under way still finishes. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One sweep; never rejects. */
  sweep(): Promise<void> {
    const { store, gates, counters, log } = this.options;
    return store.expireGates().then(
      (expired) => {
        if (expired.length > 0) {
          counters.add('expired_gates', expired.length);
          gates.invalidate();
          log.warn({ gates: expired }, 'gate leases expired; their bindings were removed');
        }
      },
      (err: unknown) => log.error({ err }, 'gate expiry failed'),
    );
  }
}
