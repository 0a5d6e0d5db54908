import { Counter, Gauge, type Registry } from '@switchboard/metrics';
import { PacketType } from '@switchboard/proto/client';
import type { GateCore } from './gate-core.js';
import { PACKET_TYPE_SLOTS } from './metrics.js';

/** `SEND`, `MESSAGE`, ... for a PacketType value; `INVALID` for the catch-all slot and unknown values. */
function packetTypeLabel(type: number): string {
  const name = type < PACKET_TYPE_SLOTS - 1 ? PacketType[type] : undefined;
  return name !== undefined && name !== 'UNRECOGNIZED' ? name.replace(/^PACKET_TYPE_/, '') : 'INVALID';
}

/** A snapshot of a gate's gauges and counters. */
export interface GateStats {
  gateId: string;
  /** Unix milliseconds. */
  startedAt: number;
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
  setTagsCalls: number;
  setRoomCalls: number;
  countCalls: number;
  busyRejections: number;
  connectionLimitCloses: number;
  roomLimitRefusals: number;
  inflightRequests: number;
  connectionsOpened: number;
  signIns: number;
  signInFailures: number;
}

export function gateStats(core: GateCore): GateStats {
  const c = core.counters;
  return {
    gateId: core.gateId,
    startedAt: core.startedAt,
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
    setTagsCalls: c.setTagsCalls,
    setRoomCalls: c.setRoomCalls,
    countCalls: c.countCalls,
    busyRejections: c.busyRejections,
    connectionLimitCloses: c.connectionLimitCloses,
    roomLimitRefusals: c.roomLimitRefusals,
    inflightRequests: core.admission.inflight,
    connectionsOpened: c.connectionsOpened,
    signIns: c.signIns,
    signInFailures: c.signInFailures,
  };
}

type Value = (s: GateStats) => number;

/**
 * Registers the gate's metrics (`switchboard_gate_*{gate}`) in `registry`. The hot paths keep
 * bumping plain fields (`GateCounters`) and reading the indexes; these prom-client metrics read
 * them only when `/metrics` is scraped.
 */
export function registerGateMetrics(core: GateCore, registry: Registry): void {
  const labels = { gate: core.gateId };
  const gauges: Array<[string, string, Value]> = [
    ['connections', 'Open client connections.', (s) => s.connections],
    ['signed_in', 'Signed-in client connections.', (s) => s.signedIn],
    ['rooms', 'Rooms with at least one local subscriber.', (s) => s.rooms],
    ['inflight_requests', 'Client requests waiting on logic.', (s) => s.inflightRequests],
  ];
  const counters: Array<[string, string, Value]> = [
    ['connections_opened_total', 'Client connections accepted.', (s) => s.connectionsOpened],
    ['sign_ins_total', 'Successful sign-ins.', (s) => s.signIns],
    ['sign_in_failures_total', 'Sign-ins rejected by logic.', (s) => s.signInFailures],
    ['packets_in_total', 'Packets received from clients.', (s) => s.packetsIn],
    ['packets_out_total', 'Packets written to clients.', (s) => s.packetsOut],
    ['bytes_out_total', 'Bytes written to clients.', (s) => s.bytesOut],
    ['slow_closes_total', 'Connections cut off as slow consumers.', (s) => s.slowCloses],
    ['flood_closes_total', 'Connections closed for exceeding the packet rate limit.', (s) => s.floodCloses],
    [
      'misaddressed_targets_total',
      'Deliver, Kick, SetTags or SetRoom targets refused because the connection belongs to another user or device.',
      (s) => s.misaddressed,
    ],
    [
      'stale_boot_calls_total',
      "Deliver, Kick, SetTags or SetRoom calls refused because they named a previous process's boot id.",
      (s) => s.staleBootCalls,
    ],
    [
      'connection_limit_closes_total',
      'Connections closed at once (TOO_MANY_CONNECTIONS): gate.maxConnections, gate.maxConnectionsPerIp or gate.connectRatePerIp reached.',
      (s) => s.connectionLimitCloses,
    ],
    [
      'room_limit_refusals_total',
      'SUBSCRIBE_ROOM requests refused (LIMIT_EXCEEDED) past gate.maxRoomsPerConnection.',
      (s) => s.roomLimitRefusals,
    ],
    ['rebinds_total', 'Sessions bound again after route lost the registration.', (s) => s.rebinds],
    ['sync_hints_total', 'SYNC_HINT pushes sent to connections.', (s) => s.syncHints],
    [
      'set_tags_calls_total',
      "SetTags calls from route (connections' server-granted tags).",
      (s) => s.setTagsCalls,
    ],
    [
      'set_room_calls_total',
      'SetRoom calls from route (connections put in or taken out of server-assigned rooms).',
      (s) => s.setRoomCalls,
    ],
    ['count_calls_total', 'Count calls from route (GetCounts).', (s) => s.countCalls],
    [
      'busy_rejections_total',
      'Requests refused with RATE_LIMITED because gate.maxInflightRequests were waiting on logic.',
      (s) => s.busyRejections,
    ],
  ];
  for (const [name, help, value] of gauges) {
    new Gauge({
      name: `switchboard_gate_${name}`,
      help,
      labelNames: ['gate'],
      registers: [registry],
      collect() {
        this.set(labels, value(gateStats(core)));
      },
    });
  }
  for (const [name, help, value] of counters) {
    new Counter({
      name: `switchboard_gate_${name}`,
      help,
      labelNames: ['gate'],
      registers: [registry],
      collect() {
        // The count lives in GateCounters; report it as it is now.
        this.reset();
        this.inc(labels, value(gateStats(core)));
      },
    });
  }
  new Gauge({
    name: 'switchboard_gate_queued_bytes',
    help: 'Bytes waiting to reach clients: queued by the gate plus buffered by the transports (summed when scraped).',
    labelNames: ['gate'],
    registers: [registry],
    collect() {
      let bytes = 0;
      for (const conn of core.registry.all()) bytes += conn.pendingBytes + conn.transport.bufferedAmount;
      this.set(labels, bytes);
    },
  });
  for (const [direction, slots] of [
    ['in', core.counters.packetsInByType],
    ['out', core.counters.packetsOutByType],
  ] as const) {
    new Counter({
      name: `switchboard_gate_packets_${direction}_by_type_total`,
      help: `Packets ${direction === 'in' ? 'received from' : 'queued for'} clients, by packet type.`,
      labelNames: ['gate', 'type'],
      registers: [registry],
      collect() {
        this.reset();
        slots.forEach((n, type) => {
          if (n > 0) this.inc({ ...labels, type: packetTypeLabel(type) }, n);
        });
      },
    });
  }
  new Counter({
    name: 'switchboard_gate_closes_total',
    help: 'Server-initiated closes by error code.',
    labelNames: ['gate', 'code'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [code, n] of core.counters.closesByCode) this.inc({ ...labels, code: String(code) }, n);
    },
  });
}
