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
}

/**
 * Keeps this gate registered at route: renews the lease every `renewMs` with a `ttlMs` lifetime.
 * A failed renewal is logged and retried at the next interval; route forgets the gate only after
 * `ttlMs` without a renewal.
 */
export class LeaseKeeper {
  private timer: NodeJS.Timeout | undefined;
  private failing = false;

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

  private renew(): Promise<unknown> {
    const { gateId, grpcAddress, ttlMs, route } = this.options;
    return route.renewLease({ gateId, grpcAddress, ttlMs });
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
