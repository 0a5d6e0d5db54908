import type { GateCore } from './gate-core.js';
import type { MetricFamily } from '@switchboard/metrics';

/** A snapshot of a gate's gauges and counters. */
export interface GateStats {
  gateId: string;
  connections: number;
  signedIn: number;
  rooms: number;
  packetsIn: number;
  packetsOut: number;
  bytesOut: number;
  slowCloses: number;
  floodCloses: number;
  misaddressed: number;
  staleBootCalls: number;
  rebinds: number;
  syncHints: number;
  busyRejections: number;
  inflightRequests: number;
  connectionsOpened: number;
  signIns: number;
  signInFailures: number;
}

export function gateStats(core: GateCore): GateStats {
  const c = core.counters;
  return {
    gateId: core.gateId,
    connections: core.registry.size,
    signedIn: core.registry.signedInCount,
    rooms: core.rooms.size,
    packetsIn: c.packetsIn,
    packetsOut: c.packetsOut,
    bytesOut: c.bytesOut,
    slowCloses: c.slowCloses,
    floodCloses: c.floodCloses,
    misaddressed: c.misaddressed,
    staleBootCalls: c.staleBootCalls,
    rebinds: c.rebinds,
    syncHints: c.syncHints,
    busyRejections: c.busyRejections,
    inflightRequests: core.inflight,
    connectionsOpened: c.connectionsOpened,
    signIns: c.signIns,
    signInFailures: c.signInFailures,
  };
}

/** The gate's metrics as families for `renderMetrics` (the `/metrics` endpoint). */
export function gateMetricFamilies(core: GateCore): MetricFamily[] {
  const s = gateStats(core);
  const labels = { gate: s.gateId };
  const one = (name: string, help: string, type: 'counter' | 'gauge', value: number): MetricFamily => ({
    name: `switchboard_gate_${name}`,
    help,
    type,
    samples: [{ labels, value }],
  });
  return [
    one('connections', 'Open client connections.', 'gauge', s.connections),
    one('signed_in', 'Signed-in client connections.', 'gauge', s.signedIn),
    one('rooms', 'Rooms with at least one local subscriber.', 'gauge', s.rooms),
    one('connections_opened_total', 'Client connections accepted.', 'counter', s.connectionsOpened),
    one('sign_ins_total', 'Successful sign-ins.', 'counter', s.signIns),
    one('sign_in_failures_total', 'Sign-ins rejected by logic.', 'counter', s.signInFailures),
    one('packets_in_total', 'Packets received from clients.', 'counter', s.packetsIn),
    one('packets_out_total', 'Packets written to clients.', 'counter', s.packetsOut),
    one('bytes_out_total', 'Bytes written to clients.', 'counter', s.bytesOut),
    one('slow_closes_total', 'Connections cut off as slow consumers.', 'counter', s.slowCloses),
    one(
      'flood_closes_total',
      'Connections closed for exceeding the packet rate limit.',
      'counter',
      s.floodCloses,
    ),
    one(
      'misaddressed_targets_total',
      'Deliver or Kick targets refused because the connection belongs to another user or device.',
      'counter',
      s.misaddressed,
    ),
    one(
      'stale_boot_calls_total',
      "Deliver or Kick calls refused because they named a previous process's boot id.",
      'counter',
      s.staleBootCalls,
    ),
    one('rebinds_total', 'Sessions bound again after route lost the registration.', 'counter', s.rebinds),
    one('sync_hints_total', 'SYNC_HINT pushes sent to connections.', 'counter', s.syncHints),
    one(
      'busy_rejections_total',
      'Requests refused with RATE_LIMITED because gate.maxInflightRequests were waiting on logic.',
      'counter',
      s.busyRejections,
    ),
    one('inflight_requests', 'Client requests waiting on logic.', 'gauge', s.inflightRequests),
    {
      name: 'switchboard_gate_closes_total',
      help: 'Server-initiated closes by error code.',
      type: 'counter',
      samples: [...core.counters.closesByCode].map(([code, value]) => ({
        labels: { gate: s.gateId, code: String(code) },
        value,
      })),
    },
  ];
}
