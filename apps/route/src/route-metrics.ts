import { Counters } from '@switchboard/metrics';

export type RouteCounter =
  'binds' | 'rebinds' | 'kicks' | 'deliveries' | 'delivered' | 'failed_gate_calls' | 'expired_gates';

/** Route's counters, exposed on its health port as Prometheus text. */
export function routeCounters(): Counters<RouteCounter> {
  return new Counters<RouteCounter>('switchboard_route', {
    binds: 'Device bindings made (sign-ins).',
    rebinds: 'Sessions a gate asked to bind again after route lost its registration.',
    kicks: 'Connections kicked because their device signed in again or was kicked.',
    deliveries: 'Delivery requests handled (to users, devices, rooms, tags or all).',
    delivered: '(packet, connection) pairs handed to gates.',
    failed_gate_calls: 'Calls to gates that failed; their devices catch up by sync.',
    expired_gates: 'Gates removed because their lease lapsed.',
  });
}
