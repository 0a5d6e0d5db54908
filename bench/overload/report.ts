import type { PhaseResult, PushCheck } from './ipc.js';

/** A phase as run.ts saw it: the load generator's result plus the server side of the same interval. */
export interface PhaseRow {
  /** Which suite ran it: admission control as configured, or turned off for comparison. */
  suite: string;
  result: PhaseResult;
  /** Server CPU over the phase (and the wait for its last answers), in cores. */
  serverCpu: number;
  /** What the rest of the machine used meanwhile (other people's work), in cores. */
  othersCpu: number;
  /** Server log lines at warn or worse printed during the phase and the pause after it. */
  warnLines: number;
  logBytes: number;
  check?: PushCheck;
}

const REJECT_CODES = ['RATE_LIMITED', 'UNAVAILABLE', 'TIMEOUT'];

/** Answers per second, over the phase and the wait for its last answers. */
const perSecond = (n: number, r: PhaseResult) => n / (r.elapsedMs / 1000);
/** Offered: sends written per second of the phase. */
const offeredPerSecond = (r: PhaseResult) => r.sent / (r.durationMs / 1000);
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));

function table(header: string[], rows: string[][], leftColumns: number): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => (i < leftColumns ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (i < leftColumns ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** Sends per phase: offered, acknowledged, refused by code, timed out, latency, CPU, warn lines. */
export function sendTable(rows: readonly PhaseRow[], peakAckedPerSecond: number): string {
  const header = [
    'suite',
    'phase',
    'offered/s',
    'acked/s',
    'vs peak',
    'RATE_LIMITED/s',
    'UNAVAILABLE/s',
    'TIMEOUT/s',
    'other err/s',
    'no answer/s',
    'late acks',
    'p50 ms',
    'p99 ms',
    'server CPU',
    'acked per CPU-s',
    'load CPU',
    'others CPU',
    'warn lines',
  ];
  const body = rows.map(({ suite, result: r, serverCpu, othersCpu, warnLines }) => {
    const other = Object.entries(r.rejected)
      .filter(([code]) => !REJECT_CODES.includes(code))
      .reduce((a, [, n]) => a + n, 0);
    return [
      suite,
      r.label,
      int(offeredPerSecond(r)),
      int(perSecond(r.acked, r)),
      peakAckedPerSecond > 0 ? `${(perSecond(r.acked, r) / peakAckedPerSecond).toFixed(2)}x` : 'n/a',
      ...REJECT_CODES.map((c) => int(perSecond(r.rejected[c] ?? 0, r))),
      int(perSecond(other + r.closed, r)),
      int(perSecond(r.timedOut, r)),
      int(r.lateAcks),
      ms(r.p50Ms),
      ms(r.p99Ms),
      serverCpu.toFixed(2),
      // Acked per second of server CPU: steadier than acked/s when other work takes the server's core.
      serverCpu > 0 ? int(perSecond(r.acked, r) / serverCpu) : 'n/a',
      r.loadCpu.toFixed(2),
      othersCpu.toFixed(2),
      int(warnLines),
    ];
  });
  return table(header, body, 2);
}

/** Whether every acknowledged message reached its online recipient (push or SYNC_HINT). */
export function pushTable(rows: readonly PhaseRow[]): string {
  const header = [
    'suite',
    'phase',
    'acked (checked)',
    'pushed',
    'SYNC_HINT only',
    'missing',
    'push p50 ms',
    'push p99 ms',
    'receiver offline',
  ];
  const body = rows
    .filter((r) => r.check)
    .map(({ suite, check: c }) => [
      suite,
      c!.label,
      int(c!.checked),
      int(c!.pushed),
      int(c!.hinted),
      int(c!.missing),
      ms(c!.pushP50Ms),
      ms(c!.pushP99Ms),
      int(c!.skippedOffline),
    ]);
  return table(header, body, 2);
}

/** One progress line for a finished phase. */
export function describePhase(r: PhaseResult): string {
  const rejected = Object.entries(r.rejected)
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  return (
    `${r.label}: offered ${int(offeredPerSecond(r))}/s, acked ${int(perSecond(r.acked, r))}/s ` +
    `(${r.acked}/${r.sent}), p50 ${ms(r.p50Ms)} ms, p99 ${ms(r.p99Ms)} ms` +
    (rejected ? `, refused: ${rejected}` : '') +
    (r.timedOut ? `, no answer ${r.timedOut}` : '') +
    (r.lateAcks ? `, late acks ${r.lateAcks}` : '') +
    (r.closed ? `, closed ${r.closed}` : '') +
    `, generator lag max ${ms(r.maxLagMs)} ms`
  );
}
