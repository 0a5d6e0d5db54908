// Loaded with `NODE_OPTIONS=--import .../stall-probe.mjs` into every process a benchmark starts
// with `--stalls DIR` (see stalls.ts): notes, with wall-clock times, each garbage collection of 4 ms
// or more and each time the event loop was held up (a 5 ms timer firing late by SB_STALL_MS, 10 by
// default: a long task, or the process waiting for its turn on a shared core), one JSON line each
// in DIR/<app>-<pid>.jsonl. Such moments are rare, so each is written at once.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { setInterval } from 'node:timers';
import { profiledName } from './profiled-process.mjs';

const dir = process.env.SB_STALL_DIR;
if (dir) {
  const file = join(dir, `${profiledName()}-${process.pid}.jsonl`);
  const note = (event) => appendFileSync(file, `${JSON.stringify(event)}\n`);
  const stallMs = Number(process.env.SB_STALL_MS || 10);
  const TICK_MS = 5;
  let last = Date.now();
  setInterval(() => {
    const now = Date.now();
    const late = now - last - TICK_MS;
    if (late >= stallMs) note({ t: 'stall', at: last + TICK_MS, ms: late });
    last = now;
  }, TICK_MS).unref();
  // perf_hooks' kinds: 1 young (scavenge), 2 minor mark-sweep, 4 full (mark-compact), 8 incremental
  // marking step, 16 weak callbacks.
  const KINDS = { 1: 'young', 2: 'minor', 4: 'full', 8: 'incremental', 16: 'weak' };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.duration < 4) continue;
      const kind = KINDS[e.detail?.kind] ?? String(e.detail?.kind);
      note({
        t: 'gc',
        at: Math.round(performance.timeOrigin + e.startTime),
        ms: Math.round(e.duration),
        kind,
      });
    }
  }).observe({ entryTypes: ['gc'] });
}
