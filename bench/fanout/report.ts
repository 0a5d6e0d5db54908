// The markdown tables run.ts prints.
import type { ServerKind } from './ipc.js';
import type { RoundResult } from './rounds.js';

/** What one server kind measured. */
export interface KindResult {
  kind: ServerKind;
  clients: number;
  rssPerConnBytes: number;
  heapPerConnBytes: number;
  /** Bursts: every message pushed at once (medians over the measured rounds). */
  burst: RoundResult;
  /** One message at a time, `paceMs` apart; undefined when the paced phase was skipped. */
  paced: RoundResult | undefined;
}

export const KIND_LABELS: Record<ServerKind, string> = {
  ws: 'raw ws (baseline)',
  socketio: 'Socket.IO room emit',
  switchboard: 'Switchboard ws-conn',
};

const kib = (bytes: number) => (bytes / 1024).toFixed(1);
export const int = (n: number) => Math.round(n).toLocaleString('en-US');
export const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
export const pct = (share: number) => `${Math.round(share * 100)}%`;
export const ratio = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}x` : 'n/a');

/** A Markdown table: the first column left-aligned, the others right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const align = header.map((_, i) => (i === 0 ? '---' : '---:'));
  return [header, align, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

/** The headers of {@link roundCells}. */
export const ROUND_HEADERS = [
  'deliveries/s',
  'p50 (ms)',
  'p99 (ms)',
  'server CPU/delivery (µs)',
  'busy: server / load',
];

/** The cells of a round's figures: deliveries/s, p50, p99, server CPU/delivery, busy. */
export function roundCells(r: RoundResult): string[] {
  return [
    int(r.deliveriesPerSec),
    ms(r.p50Ms),
    ms(r.p99Ms),
    r.cpuMicrosPerDelivery.toFixed(2),
    `${pct(r.serverBusy)} / ${pct(r.loadBusy)}`,
  ];
}

/** Burst figures and idle memory, one row per kind. */
export function burstTable(results: readonly KindResult[]): string {
  return table(
    ['server', 'clients', 'idle RSS/conn (KiB)', 'heap/conn (KiB)', ...ROUND_HEADERS, 'lost'],
    results.map(({ kind, clients, rssPerConnBytes, heapPerConnBytes, burst: b }) => [
      KIND_LABELS[kind],
      int(clients),
      kib(rssPerConnBytes),
      kib(heapPerConnBytes),
      ...roundCells(b),
      int(b.lost),
    ]),
  );
}

/** Paced figures (deliveries/s is set by the pace, so it is left out). */
export function pacedTable(results: readonly KindResult[]): string {
  return table(
    ['server', 'p50 (ms)', 'p99 (ms)', 'server CPU/delivery (µs)', 'lost'],
    results.flatMap(({ kind, paced: p }) =>
      p
        ? [[KIND_LABELS[kind], ms(p.p50Ms), ms(p.p99Ms), p.cpuMicrosPerDelivery.toFixed(2), int(p.lost)]]
        : [],
    ),
  );
}

/** Each kind against the raw ws baseline of the same run. */
export function ratioTable(results: readonly KindResult[]): string {
  const base = results.find((r) => r.kind === 'ws');
  if (!base) return '(no raw ws baseline in this run)';
  const vs = (r: RoundResult | undefined, b: RoundResult | undefined, pick: (x: RoundResult) => number) =>
    r && b ? ratio(pick(r) / pick(b)) : 'n/a';
  return table(
    [
      'server',
      'burst deliveries/s',
      'burst p50',
      'burst p99',
      'burst server CPU/delivery',
      'paced p50',
      'paced server CPU/delivery',
      'idle RSS/conn',
      'heap/conn',
    ],
    results.map((r) => [
      KIND_LABELS[r.kind],
      vs(r.burst, base.burst, (x) => x.deliveriesPerSec),
      vs(r.burst, base.burst, (x) => x.p50Ms),
      vs(r.burst, base.burst, (x) => x.p99Ms),
      vs(r.burst, base.burst, (x) => x.cpuMicrosPerDelivery),
      vs(r.paced, base.paced, (x) => x.p50Ms),
      vs(r.paced, base.paced, (x) => x.cpuMicrosPerDelivery),
      ratio(r.rssPerConnBytes / base.rssPerConnBytes),
      ratio(r.heapPerConnBytes / base.heapPerConnBytes),
    ]),
  );
}
