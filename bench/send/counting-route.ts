import type { DeliveryStats, UserPacket } from '../../apps/logic/src/route-port.js';
import { StubLogicRoutePort } from '../../apps/logic/src/stub-route-port.js';

/**
 * A route that delivers nowhere and only counts what logic asks it to push, so the end-to-end
 * run measures logic and its database, not route or gates.
 */
export class CountingRoute extends StubLogicRoutePort {
  deliveries = 0;
  packets = 0;

  override async deliverToUsers(_appId: string, packets: UserPacket[]): Promise<DeliveryStats> {
    this.deliveries++;
    this.packets += packets.length;
    return { delivered: packets.length, failedGates: 0, unreachedUserIds: [], offlineUserIds: [] };
  }
}
