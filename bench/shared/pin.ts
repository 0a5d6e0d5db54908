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

/** A process's CPU affinity as taskset prints it: a hex mask such as `3`. */
export function affinityOf(pid: number): string {
  const out = execFileSync('taskset', ['-p', String(pid)], { encoding: 'utf8' });
  const mask = /:\s*([0-9a-f]+)\s*$/i.exec(out)?.[1];
  if (mask === undefined) throw new Error(`taskset -p ${pid}: unexpected output ${JSON.stringify(out)}`);
  return mask;
}

/**
 * Moves a process someone else started (MariaDB, Redis) to `cpu` for a while: the returned
 * function puts every thread of it back on the mask it had, and `undo` is the command that does
 * the same by hand after a Ctrl-C.
 */
export function pinForAWhile(pid: number, cpu: string): { undo: string; restore: () => void } {
  // One argument list for the command printed and the one run, so that they cannot differ.
  const back = ['-a', '-p', affinityOf(pid), String(pid)];
  pinProcess(pid, cpu);
  return {
    undo: `taskset ${back.join(' ')}`,
    restore: () => execFileSync('taskset', back, { stdio: 'ignore' }),
  };
}
