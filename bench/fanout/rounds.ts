// One measured push: arm the load generators, have the server push, collect what arrived.
import type { Child } from './child.js';
import type { LoadCommand, LoadReport, ServerCommand, ServerReport } from './ipc.js';
import { pct } from './report.js';
import { median, quantile } from './stats.js';

export type Server = Child<ServerCommand, ServerReport>;
export type Load = Child<LoadCommand, LoadReport>;

/** What a round pushes. */
export interface RoundSpec {
  messages: number;
  bytes: number;
  /** 0: all messages in one burst; else one message every `paceMs`. */
  paceMs: number;
  timeoutMs: number;
}

/**
 * The figures of one round, or the medians of several (`lost`, `duplicated`, `outOfOrder`,
 * `invalid` summed).
 */
export interface RoundResult {
  /** Distinct messages received (a second copy is counted in `duplicated` only). */
  received: number;
  expected: number;
  deliveriesPerSec: number;
  p50Ms: number;
  p99Ms: number;
  cpuMicrosPerDelivery: number;
  /**
   * Share of one core the server, and the load processes together, were busy while the round was
   * in flight: near 100% says which side limited deliveries/s.
   */
  serverBusy: number;
  loadBusy: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
  invalid: number;
}

/** What pushes a round and reads the server side's CPU: a server process of ours, or a cluster. */
export interface RoundDriver {
  /**
   * Pushes the round's messages; resolves with the stamp of the first (hrtime, shared clock) and
   * the server side's CPU time (µs) when the push began.
   */
  push(spec: RoundSpec): Promise<{ startNs: bigint; cpuMicros: number }>;
  /** The server side's CPU time now, in µs (same origin as `push`'s). */
  cpuMicros(): Promise<number>;
}

/** Arms the load generators, has `driver` push, and collects what every client received. */
export async function runRound(
  driver: RoundDriver,
  loads: Load[],
  clients: number,
  spec: RoundSpec,
): Promise<RoundResult> {
  for (const l of loads) l.send({ t: 'expect', messages: spec.messages, timeoutMs: spec.timeoutMs });
  await Promise.all(loads.map((l) => l.next('armed', 10_000)));
  const pushed = await driver.push(spec);
  const rounds = await Promise.all(loads.map((l) => l.next('round', spec.timeoutMs + 10_000)));
  const serverCpu = (await driver.cpuMicros()) - pushed.cpuMicros;

  const duplicated = rounds.reduce((a, r) => a + r.duplicated, 0);
  const received = rounds.reduce((a, r) => a + r.received, 0) - duplicated;
  const expected = clients * spec.messages;
  const lastNs = rounds.reduce((a, r) => (r.lastNs > a ? r.lastNs : a), 0n);
  const latencies = new Float64Array(rounds.reduce((a, r) => a + r.latenciesMs.length, 0));
  let offset = 0;
  for (const r of rounds) {
    latencies.set(r.latenciesMs, offset);
    offset += r.latenciesMs.length;
  }
  latencies.sort();
  const seconds = Number(lastNs - pushed.startNs) / 1e9;
  return {
    received,
    expected,
    deliveriesPerSec: received > 0 ? received / seconds : 0,
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    cpuMicrosPerDelivery: received > 0 ? serverCpu / received : Number.NaN,
    serverBusy: serverCpu / 1e6 / seconds,
    loadBusy: rounds.reduce((a, r) => a + r.cpuMicros, 0) / 1e6 / seconds,
    lost: expected - received,
    duplicated,
    outOfOrder: rounds.reduce((a, r) => a + r.outOfOrder, 0),
    invalid: rounds.reduce((a, r) => a + r.invalid, 0),
  };
}

/** Medians of the rates and latencies over rounds; counts of trouble summed. */
export function summarize(rounds: readonly RoundResult[]): RoundResult {
  const med = (pick: (r: RoundResult) => number) => median(rounds.map(pick));
  const sum = (pick: (r: RoundResult) => number) => rounds.reduce((a, r) => a + pick(r), 0);
  return {
    received: sum((r) => r.received),
    expected: sum((r) => r.expected),
    deliveriesPerSec: med((r) => r.deliveriesPerSec),
    p50Ms: med((r) => r.p50Ms),
    p99Ms: med((r) => r.p99Ms),
    cpuMicrosPerDelivery: med((r) => r.cpuMicrosPerDelivery),
    serverBusy: med((r) => r.serverBusy),
    loadBusy: med((r) => r.loadBusy),
    lost: sum((r) => r.lost),
    duplicated: sum((r) => r.duplicated),
    outOfOrder: sum((r) => r.outOfOrder),
    invalid: sum((r) => r.invalid),
  };
}

/** A round pushed by one of our server processes (server-host.ts), which reports its own CPU. */
export function pushRound(
  server: Server,
  loads: Load[],
  clients: number,
  spec: RoundSpec,
): Promise<RoundResult> {
  return runRound(
    {
      push: async () => {
        server.send({ t: 'push', messages: spec.messages, bytes: spec.bytes, paceMs: spec.paceMs });
        return server.next('pushed', spec.timeoutMs);
      },
      cpuMicros: async () => {
        server.send({ t: 'cpu' });
        return (await server.next('cpu', 10_000)).cpuMicros;
      },
    },
    loads,
    clients,
    spec,
  );
}

/** One progress line for a round. */
export function describeRound(r: RoundResult): string {
  return (
    `${r.received}/${r.expected} delivered, ${Math.round(r.deliveriesPerSec)}/s, ` +
    `p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms, server CPU ${r.cpuMicrosPerDelivery.toFixed(2)} µs/delivery, ` +
    `busy: server ${pct(r.serverBusy)}, load ${pct(r.loadBusy)}` +
    (r.duplicated || r.outOfOrder || r.invalid
      ? `, ${r.duplicated} duplicated, ${r.outOfOrder} out of order, ${r.invalid} invalid`
      : '')
  );
}
