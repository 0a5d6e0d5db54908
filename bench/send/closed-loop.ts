/** How long a closed-loop run warms up and then measures. */
export interface LoadPhases {
  /** Sends in this first phase run but are not measured (connections, JIT, buffer pool). */
  warmupMs: number;
  /** Sends started in this phase are measured; no send starts after it. */
  measureMs: number;
}

/** What one closed-loop run measured. */
export interface LoadResult {
  concurrency: number;
  /** Sends started in the measured phase that succeeded. */
  completed: number;
  /** Sends started in the measured phase that failed. */
  failed: number;
  /** From the start of the measured phase to the last completion of a measured send. */
  seconds: number;
  /** Latency of each measured successful send, in milliseconds, unsorted. */
  latenciesMs: number[];
  /** Sends started in any phase (warm-up included), failed or not. */
  started: number;
  /** The first error seen, to print; undefined when all succeeded. */
  firstError: unknown;
}

/** A closed-loop run to make. */
export interface ClosedLoopOptions {
  concurrency: number;
  phases: LoadPhases;
  /** Performs the n-th send (n counts from 0 across all senders) and settles when it is answered. */
  sendOne: (n: number) => Promise<void>;
  /** Called about once a second with the sends started so far and the time since the start. */
  onProgress?: (started: number, elapsedMs: number) => void;
}

/**
 * Closed-loop load: `concurrency` senders each wait for their send to finish before starting the
 * next, as clients waiting for their send's answer do. Resolves once every started send has
 * settled, so nothing is still writing when the caller verifies or tears down.
 */
export async function runClosedLoop(options: ClosedLoopOptions): Promise<LoadResult> {
  const { concurrency, phases, sendOne, onProgress } = options;
  const start = performance.now();
  const measureStart = start + phases.warmupMs;
  const end = measureStart + phases.measureMs;
  const latenciesMs: number[] = [];
  let next = 0;
  let failed = 0;
  let lastDone = measureStart;
  let firstError: unknown;

  const sender = async (): Promise<void> => {
    for (let t0 = performance.now(); t0 < end; t0 = performance.now()) {
      const n = next++;
      let ok = true;
      try {
        await sendOne(n);
      } catch (err) {
        ok = false;
        firstError ??= err;
      }
      if (t0 < measureStart) continue;
      const done = performance.now();
      lastDone = Math.max(lastDone, done);
      if (ok) latenciesMs.push(done - t0);
      else failed++;
    }
  };
  const ticker = onProgress && setInterval(() => onProgress(next, performance.now() - start), 1000);
  try {
    await Promise.all(Array.from({ length: concurrency }, sender));
  } finally {
    clearInterval(ticker);
  }
  return {
    concurrency,
    completed: latenciesMs.length,
    failed,
    seconds: (lastDone - measureStart) / 1000,
    latenciesMs,
    started: next,
    firstError,
  };
}

/** The q-quantile (0..1) of `sorted`, nearest rank. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}
