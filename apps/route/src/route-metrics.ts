import { Counters, grpcServerLatency, Histogram, LATENCY_BUCKETS, type Registry } from '@switchboard/metrics';

export type RouteCounter =
  | 'binds'
  | 'rebinds'
  | 'kicks'
  | 'deliveries'
  | 'deliveries_abandoned'
  | 'delivered'
  | 'failed_gate_calls'
  | 'expired_gates'
  | 'set_user_tags'
  | 'gate_set_tags_calls'
  | 'set_users_room'
  | 'gate_set_room_calls'
  | 'gate_count_calls'
  | 'gate_stats_calls';

/** Route's counters, exposed on its health port as Prometheus text. */
export function routeCounters(): Counters<RouteCounter> {
  return new Counters<RouteCounter>('switchboard_route', {
    binds: 'Device bindings made (sign-ins).',
    rebinds: 'Sessions a gate asked to bind again after route lost its registration.',
    kicks: 'Connections kicked because their device signed in again or was kicked.',
    deliveries: 'Delivery requests handled (to users, devices, rooms, tags or all).',
    deliveries_abandoned:
      'Delivery requests dropped before any gate call because their caller had gone (deadline passed or cancelled during the lookup).',
    delivered: '(packet, connection) pairs handed to gates.',
    failed_gate_calls:
      'Calls to gates that failed (Deliver*, Count, SetTags, SetRoom); after a failed delivery the devices catch up by sync.',
    expired_gates: 'Gates removed because their lease lapsed.',
    set_user_tags: 'SetUserTags requests handled.',
    gate_set_tags_calls: 'SetTags calls sent to gates (one per gate holding the user, per SetUserTags).',
    set_users_room: 'SetUsersRoom requests handled.',
    gate_set_room_calls:
      'SetRoom calls sent to gates (one per gate holding some of the users, per SetUsersRoom).',
    gate_count_calls: 'Count calls sent to gates (one per live gate, per GetCounts naming a room or tag).',
    gate_stats_calls: 'Stats calls sent to gates (one per live gate, per ListGates).',
  });
}

/**
 * Route's gRPC observer: latency per method (`switchboard_grpc_server_seconds`) and, for the
 * Deliver* methods, the delivery latency (`switchboard_route_delivery_seconds{method}`): from the
 * request's arrival to every gate's answer (or failure).
 */
export function routeGrpcObserver(
  registry: Registry,
): (method: string, seconds: number, code: string) => void {
  const grpc = grpcServerLatency(registry);
  const delivery = new Histogram({
    name: 'switchboard_route_delivery_seconds',
    help: 'Time to deliver one request to the gates holding its receivers (Deliver* calls), by method.',
    labelNames: ['method'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  return (method, seconds, code) => {
    grpc(method, seconds, code);
    if (method.startsWith('Deliver')) delivery.observe({ method }, seconds);
  };
}
