// The tables of the small-group benchmark (run.ts).
import { int, ms, ratio, table } from '../fanout/report.js';
import type { SmallPhaseResult } from './ipc.js';

/** One phase against one server, with the serving processes' CPU over it. */
export interface SmallRow {
  server: string;
  result: SmallPhaseResult;
  /** CPU seconds of the server's own processes, and of MariaDB + Redis (shared: other jobs count too). */
  cpuSeconds: number;
  storeCpuSeconds: number | undefined;
}

const perDelivery = (seconds: number, r: SmallPhaseResult) =>
  r.deliveries > 0 ? (seconds * 1e6) / r.deliveries : Number.NaN;
const us = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');
const errors = (r: SmallPhaseResult) =>
  [
    ...Object.entries(r.errors).map(([code, n]) => `${n} ${code}`),
    ...(r.timedOut ? [`${r.timedOut} timed out`] : []),
  ].join(', ') || '0';

/** What the check found: must read `ok`. */
export function checkCell(r: SmallPhaseResult): string {
  const bad = [
    [r.lost, 'lost'],
    [r.duplicated, 'duplicated'],
    [r.mismatched, 'wrong seq'],
    [r.echoed, 'echoed to sender'],
  ].filter(([n]) => (n as number) > 0);
  return bad.length === 0 ? 'ok' : `FAILED: ${bad.map(([n, what]) => `${n} ${what}`).join(', ')}`;
}

export function smallTable(rows: readonly SmallRow[]): string {
  return table(
    [
      'server',
      'offered/s',
      'acked/s',
      'deliveries/s',
      'ack p50 / p99 (ms)',
      'push p50 / p99 (ms)',
      'all members p99 (ms)',
      'server CPU/delivery (µs)',
      'MariaDB+Redis CPU/delivery (µs)',
      'errors',
      'out of order: conversation / inbox',
      'SYNC_HINTs',
      'check',
    ],
    rows.map(({ server, result: r, cpuSeconds, storeCpuSeconds }) => [
      server,
      int(r.rate),
      int(r.acked / (r.elapsedMs / 1000)),
      int(r.deliveriesPerSec),
      `${ms(r.ackP50Ms)} / ${ms(r.ackP99Ms)}`,
      `${ms(r.pushP50Ms)} / ${ms(r.pushP99Ms)}`,
      ms(r.allP99Ms),
      us(perDelivery(cpuSeconds, r)),
      storeCpuSeconds === undefined ? 'n/a' : us(perDelivery(storeCpuSeconds, r)),
      errors(r),
      `${int(r.outOfConversationOrder)} / ${int(r.outOfInboxOrder)}`,
      int(r.syncHints),
      checkCell(r),
    ]),
  );
}

/** Each Switchboard phase against the baseline phase of the same rate, same run. */
export function smallRatioTable(rows: readonly SmallRow[], baselineServer: string): string {
  const out: string[][] = [];
  for (const row of rows) {
    const base = rows.find((b) => b.server === baselineServer && b.result.rate === row.result.rate);
    if (!base || row === base) continue;
    const [r, b] = [row.result, base.result];
    out.push([
      `${row.server} at ${int(r.rate)}/s`,
      ratio(r.deliveriesPerSec / b.deliveriesPerSec),
      ratio(r.ackP50Ms / b.ackP50Ms),
      ratio(r.pushP50Ms / b.pushP50Ms),
      ratio(r.pushP99Ms / b.pushP99Ms),
      ratio(perDelivery(row.cpuSeconds, r) / perDelivery(base.cpuSeconds, b)),
      ratio(perDelivery(row.cpuSeconds + (row.storeCpuSeconds ?? 0), r) / perDelivery(base.cpuSeconds, b)),
    ]);
  }
  return table(
    [
      'server',
      'deliveries/s',
      'ack p50',
      'push p50',
      'push p99',
      'server CPU/delivery',
      'server + stores CPU/delivery',
    ],
    out,
  );
}
