import type { Logger } from '@switchboard/log';
import { logDetailOf } from './error-of.js';
import type { GateRoutePort } from './ports.js';

export interface LeaseOptions {
  gateId: string;
  /** Id of this gate process (see GateCore.bootId). */
  bootId: string;
  /** host:port route dials to reach this gate's GateService. */
  grpcAddress: string;
  ttlMs: number;
  renewMs: number;
  route: GateRoutePort;
  logger: Logger;
  /**
   * Runs after a renewal that registered the gate afresh (the first one included): route holds no
   * binding or room of this process, so the gate binds again what it holds. Until it resolves, every
   * later renewal calls it again.
   */
  onRegistered?: () => Promise<void>;
}

/**
 * Keeps this gate registered at route: renews the lease every `renewMs` with a `ttlMs` lifetime.
 * A failed renewal is logged and retried at the next interval; route forgets the gate only after
 * `ttlMs` without a renewal. When route has forgotten it anyway (a lapsed lease, a route store that
 * lost its data), the gate re-registers and re-binds its sessions, so clients keep their connections.
 */
export class LeaseKeeper {
  private timer: NodeJS.Timeout | undefined;
  private failing = false;
  private registered = false;
  private rebindPending = false;
  private inFlight: Promise<void> | undefined;

  constructor(private readonly options: LeaseOptions) {}

  /** Renews once now (a failure is logged, not thrown: route may still be starting) and then every `renewMs`. */
  async start(): Promise<void> {
    await this.renewNow();
    this.timer = setInterval(() => void this.renewNow(), this.options.renewMs);
    this.timer.unref();
  }

  /** True while route holds this gate's lease: registered, and the latest renewal succeeded. */
  get held(): boolean {
    return this.registered && !this.failing;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Renews at once, or joins the renewal already running. Never rejects (failures are logged). */
  renewNow(): Promise<void> {
    this.inFlight ??= this.renewLogged().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async renewLogged(): Promise<void> {
    const { gateId, bootId, grpcAddress, ttlMs, route, logger } = this.options;
    try {
      const res = await route.renewLease({ gateId, bootId, grpcAddress, ttlMs });
      if (this.failing) logger.info('lease renewed again');
      this.failing = false;
      if (res.registered) {
        if (this.registered) logger.warn("route had lost this gate's registration; re-binding its sessions");
        this.rebindPending = true;
      }
      this.registered = true;
    } catch (err) {
      this.failing = true;
      logger.warn({ err: logDetailOf(err) }, 'lease renewal failed');
      return;
    }
    if (!this.rebindPending || !this.options.onRegistered) return;
    try {
      await this.options.onRegistered();
      this.rebindPending = false;
    } catch (err) {
      logger.warn({ err: logDetailOf(err) }, 're-binding sessions failed; retrying at the next renewal');
    }
  }
}
