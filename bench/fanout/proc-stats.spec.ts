import { cpus } from 'node:os';
import { describe, expect, it } from 'vitest';
import { cpuBusySeconds, machineBusySeconds } from './proc-stats.js';

// /proc/stat is Linux's; elsewhere both readers answer undefined and the benchmarks print '?'.
const linux = process.platform === 'linux';

describe.runIf(linux)('CPU busy time from /proc/stat', () => {
  it('reads one busy time per CPU, which add up to the machine total of the same moment', () => {
    const each = cpuBusySeconds();
    const total = machineBusySeconds();
    expect(each).toHaveLength(cpus().length);
    for (const seconds of each!) expect(seconds).toBeGreaterThanOrEqual(0);
    const sum = each!.reduce((a, b) => a + b, 0);
    // The two reads are a moment apart: the CPUs may have been busy a few ticks in between.
    expect(Math.abs(sum - total!)).toBeLessThan(1);
  });

  it('sees a CPU made busy between two reads', () => {
    const before = cpuBusySeconds()!;
    const until = performance.now() + 300;
    while (performance.now() < until) {
      // Spin: this process's CPU is busy for 0.3 s.
    }
    const after = cpuBusySeconds()!;
    const gained = after.reduce((n, b, i) => n + (b - before[i]!), 0);
    expect(gained).toBeGreaterThan(0.1);
  });
});
