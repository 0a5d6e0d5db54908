// Open-loop load for bench/rpc/unary-vs-stream.ts: requests started on a fixed schedule, whatever
// the answers, each on its own (one call or frame per request, as a per-tick gatherer produces at
// low rates when requests arrive in different event-loop turns).
import type { LoadResult } from '../send/closed-loop.js';

/**
 * Starts `sendOne` `rate` times a second for `ms` and resolves once every started request has
 * settled. Latency runs from each request's start to its answer. A request due while `maxInflight`
 * are unanswered is not sent and counts as failed, so that a side that cannot keep up shows as
 * failures instead of a backlog of calls timing out long after the round.
 */
export function runOpenLoop(
  rate: number,
  ms: number,
  maxInflight: number,
  sendOne: () => Promise<unknown>,
): Promise<Omit<LoadResult, 'concurrency'>> {
  const total = Math.round((rate * ms) / 1000);
  const latenciesMs: number[] = [];
  let started = 0;
  let settled = 0;
  let failed = 0;
  let firstError: unknown;
  let lastDone = 0;
  const start = performance.now();
  return new Promise((resolve) => {
    const done = () => {
      if (++settled < total) return;
      resolve({
        completed: latenciesMs.length,
        failed,
        seconds: (lastDone - start) / 1000,
        latenciesMs,
        started,
        firstError,
      });
    };
    const launch = () => {
      if (started - settled > maxInflight) {
        failed++;
        firstError ??= new Error(`client behind: ${maxInflight} requests unanswered`);
        done();
        return;
      }
      const t0 = performance.now();
      sendOne().then(
        () => {
          lastDone = performance.now();
          latenciesMs.push(lastDone - t0);
          done();
        },
        (err: unknown) => {
          failed++;
          firstError ??= err;
          done();
        },
      );
    };
    const tick = () => {
      const elapsed = performance.now() - start;
      const due = Math.min(total, Math.floor((elapsed * rate) / 1000) + 1);
      while (started < due) {
        started++;
        launch();
      }
      // Sleep until the next request is due, not a fixed 1 ms: the timer's own wake-ups would
      // otherwise be a per-millisecond cost in both modes.
      if (started < total) setTimeout(tick, Math.max(0, (started * 1000) / rate - elapsed));
    };
    tick();
  });
}
