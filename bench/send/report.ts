import type { ScenarioResult } from './scenario.js';

const HEADER = [
  'path',
  'C',
  'messages/s',
  'vs baseline',
  'p50 ms',
  'p99 ms',
  'sends/txn',
  'node CPU',
  'MariaDB CPU',
  'others CPU',
  'failed',
  'inboxes',
];

/**
 * The results as a Markdown table, ready for docs/benchmarks.md. Ratios are against the best
 * one-transaction-per-message baseline of the same run.
 */
export function formatTable(results: readonly ScenarioResult[]): string {
  const baseline = Math.max(
    0,
    ...results.filter((r) => r.path === 'baseline').map((r) => r.messagesPerSecond),
  );
  const rows = results.map((r) => [
    r.path,
    String(r.concurrency),
    Math.round(r.messagesPerSecond).toLocaleString('en-US'),
    // A run that stores nothing is a ceiling, not an alternative to the baseline.
    baseline > 0 && !r.path.includes('stub') ? `${(r.messagesPerSecond / baseline).toFixed(1)}x` : 'n/a',
    r.p50Ms.toFixed(1),
    r.p99Ms.toFixed(1),
    r.meanBatch === undefined ? '' : r.meanBatch.toFixed(1),
    cores(r.cpu.node) + (r.loadGeneratorCpu === undefined ? '' : ` + ${cores(r.loadGeneratorCpu)} client`),
    r.cpu.mariadb === undefined ? 'n/a' : cores(r.cpu.mariadb),
    othersCpu(r),
    String(r.failed),
    r.inbox.problems.length > 0
      ? 'CORRUPT'
      : r.inbox.users === 0
        ? 'n/a'
        : `ok (${r.inbox.users} users, ${r.inbox.entries} entries)`,
  ]);
  const widths = HEADER.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (i < 2 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`;
  return [line(HEADER), rule, ...rows.map(line)].join('\n');
}

/** What the rest of the machine used meanwhile: other people's work skews every figure. */
function othersCpu(r: ScenarioResult): string {
  if (r.cpu.machine === undefined) return 'n/a';
  const ours = r.cpu.node + (r.cpu.mariadb ?? 0) + (r.loadGeneratorCpu ?? 0);
  return cores(Math.max(0, r.cpu.machine - ours));
}

function cores(n: number): string {
  return Number.isFinite(n) ? `${n.toFixed(2)}` : 'n/a';
}
