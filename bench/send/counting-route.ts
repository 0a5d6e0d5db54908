import type { DeliveryStats, RoutePort, UserPacket } from '../../apps/logic/src/route-port.js';

/**
 * A route that delivers nowhere and only counts what logic asks it to push, so the end-to-end
 * run measures logic and its database, not route or gates.
 */
export class CountingRoute implements RoutePort {
  deliveries = 0;
  packets = 0;

  async bind(): Promise<{ epoch: number }> {
    return { epoch: 1 };
  }

  async deliverToUsers(_appId: string, packets: UserPacket[]): Promise<DeliveryStats> {
    this.deliveries++;
    this.packets += packets.length;
    return { delivered: packets.length, failedGates: 0, unreachedUserIds: [] };
  }

  close(): void {}
}
