import type { Logger } from '@switchboard/log';
import { errorOf } from './error-of.js';
import type { RoutePort } from './ports.js';

export interface LeaseOptions {
  gateId: string;
  /** host:port route dials to reach this gate's GateService. */
  grpcAddress: string;
  ttlMs: number;
  renewMs: number;
  route: RoutePort;
  logger: Logger;
  /**
   * Called when a renewal finds that route had forgotten this gate (its lease lapsed, e.g. during a
   * partition): route has dropped every binding and room of the gate, so its sessions are stale.
   */
  onReset?: () => void;
}

/**
 * Keeps this gate registered at route: renews the lease every `renewMs` with a `ttlMs` lifetime.
 * A failed renewal is logged and retried at the next interval; route forgets the gate only after
 * `ttlMs` without a renewal.
 */
export class LeaseKeeper {
  private timer: NodeJS.Timeout | undefined;
  private failing = false;
  private registered = false;

  constructor(private readonly options: LeaseOptions) {}

  /** Renews once now (a failure is logged, not thrown: route may still be starting) and then every `renewMs`. */
  async start(): Promise<void> {
    await this.renewLogged();
    this.timer = setInterval(() => void this.renewLogged(), this.options.renewMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async renew(): Promise<void> {
    const { gateId, grpcAddress, ttlMs, route } = this.options;
    const res = await route.renewLease({ gateId, grpcAddress, ttlMs });
    // The first successful renewal registers the gate; a later one that registers it again means
    // route lost it in between.
    if (res.registered && this.registered) {
      this.options.logger.warn('route had forgotten this gate (lease lapsed); resetting its sessions');
      this.options.onReset?.();
    }
    this.registered = true;
  }

  private async renewLogged(): Promise<void> {
    try {
      await this.renew();
      if (this.failing) this.options.logger.info('lease renewed again');
      this.failing = false;
    } catch (err) {
      this.failing = true;
      this.options.logger.warn({ err: errorOf(err).message }, 'lease renewal failed');
    }
  }
}
