// CPU pinning of benchmark processes with taskset: Switchboard's services (and the baselines'
// servers) on CPU 0, load generators on CPU 1, so that neither side takes the other's core.
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Whether to pin: not turned off (`--no-pin`), two CPUs or more, and taskset installed. */
export function canPin(noPin: boolean): boolean {
  return !noPin && cpus().length >= 2 && hasTaskset();
}

/** Moves a running process, every thread of it, to `cpu` (a taskset CPU list). */
export function pinProcess(pid: number, cpu: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', cpu, String(pid)], { stdio: 'ignore' });
}
