// The timing loop of the microbenchmarks (framing, codec, sql-text): warm up, then call an operation
// for a fixed time and divide.

export interface NsPerOpOptions {
  /** Calling first for this long, untimed, lets the JIT compile the operation. */
  warmupMs: number;
  /** How long the timed calls go on. */
  measureMs: number;
  /** Calls between two reads of the clock: many for a cheap operation, 1 for a long one. */
  callsPerCheck?: number;
}

/** Nanoseconds per call of `op`, timed over `measureMs` after a warm-up. */
export function nsPerOp(
  op: () => unknown,
  { warmupMs, measureMs, callsPerCheck = 1 }: NsPerOpOptions,
): number {
  const warm = performance.now() + warmupMs;
  while (performance.now() < warm) op();
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    for (let i = 0; i < callsPerCheck; i++) op();
    calls += callsPerCheck;
    elapsed = performance.now() - start;
  } while (elapsed < measureMs);
  return (elapsed * 1e6) / calls;
}
