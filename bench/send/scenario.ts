import type { BenchDatabase } from './bench-database.js';
import { quantile, runClosedLoop, type LoadPhases, type LoadResult } from './closed-loop.js';
import { CpuMeter, type CpuUse } from './cpu-meter.js';
import type { InboxReport } from './inbox-check.js';

/** What every scenario shares: where the database is and how big and long a run is. */
export interface ScenarioContext {
  /** MySQL server URI without a database; each scenario creates and drops its own. */
  serverUri: string;
  poolSize: number;
  users: number;
  phases: LoadPhases;
  /** Users whose inboxes are read back and checked after the run. */
  sampleUserIds: readonly string[];
  /** Databases not yet dropped, for cleanup on interrupt. */
  live: Set<BenchDatabase>;
  /** Progress lines for the person watching. */
  progress(line: string): void;
}

/** One row of the results table. */
export interface ScenarioResult {
  path: string;
  concurrency: number;
  messagesPerSecond: number;
  completed: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
  cpu: CpuUse;
  /** CPU of the load generator when it runs in a process of its own. */
  loadGeneratorCpu?: number;
  /** Mean sends per transaction, where batching applies. */
  meanBatch?: number;
  inbox: InboxReport;
  firstError?: string;
}

/** Runs a closed loop, measuring CPU over its measured phase only. */
export async function measureLoop(
  ctx: ScenarioContext,
  label: string,
  concurrency: number,
  sendOne: (n: number) => Promise<void>,
): Promise<{ load: LoadResult; cpu: CpuUse }> {
  const meter = new CpuMeter();
  let stopMeter: (() => CpuUse) | undefined;
  const timer = setTimeout(() => (stopMeter = meter.start()), ctx.phases.warmupMs);
  const load = await runClosedLoop({
    concurrency,
    phases: ctx.phases,
    sendOne,
    onProgress: (started, elapsedMs) =>
      ctx.progress(`  ${label}: ${started} sends started, ${(elapsedMs / 1000).toFixed(0)} s`),
  });
  clearTimeout(timer);
  const cpu = stopMeter?.() ?? { node: NaN, mariadb: undefined, machine: undefined };
  return { load, cpu };
}

/** The table row of a finished run. */
export function toResult(
  path: string,
  load: LoadResult,
  cpu: CpuUse,
  inbox: InboxReport,
  extra: Pick<ScenarioResult, 'meanBatch' | 'loadGeneratorCpu'> = {},
): ScenarioResult {
  const sorted = [...load.latenciesMs].sort((a, b) => a - b);
  return {
    path,
    concurrency: load.concurrency,
    messagesPerSecond: load.seconds > 0 ? load.completed / load.seconds : 0,
    completed: load.completed,
    failed: load.failed,
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    cpu,
    inbox,
    ...extra,
    ...(load.firstError === undefined ? {} : { firstError: describeError(load.firstError) }),
  };
}

function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return `${err.name}${code === undefined ? '' : ` ${String(code)}`}: ${err.message}`;
  }
  return String(err);
}
