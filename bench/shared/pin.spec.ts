import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpus } from 'node:os';
import { describe, expect, it } from 'vitest';
import { affinityOf, canPin, pinForAWhile } from './pin.js';

// --stores-on-service-core moves MariaDB and Redis, which the benchmark did not start: whatever it
// moves must end on the CPUs it had, every thread of it.
describe.runIf(canPin(false) && cpus().length >= 2)('pinForAWhile', () => {
  it('moves a process to one CPU and puts it back on the mask it had', async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    await once(child, 'spawn');
    try {
      const pid = child.pid!;
      const before = affinityOf(pid);
      const { undo, restore } = pinForAWhile(pid, '0');
      expect(affinityOf(pid)).toBe('1');
      expect(undo).toBe(`taskset -a -p ${before} ${pid}`);
      restore();
      expect(affinityOf(pid)).toBe(before);
    } finally {
      child.kill();
    }
  });
});
