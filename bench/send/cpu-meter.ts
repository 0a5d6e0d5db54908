import { readdirSync, readFileSync } from 'node:fs';

// Linux reports process times in clock ticks of 1/100 s (USER_HZ) on every mainstream build.
const TICKS_PER_SECOND = 100;

/** CPU used over an interval, in cores (1.0 = one core busy the whole time). */
export interface CpuUse {
  node: number;
  /** Undefined when the database server's process is not visible (another host, a container). */
  mariadb: number | undefined;
  /** The whole machine, every process included; undefined without /proc/stat. */
  machine: number | undefined;
}

/**
 * Measures CPU of this process and of the local MariaDB server between `start()` and the returned
 * stop function, to tell which side of the connection a run was bound by.
 */
export class CpuMeter {
  private readonly mariadbPid = findPid('mariadbd') ?? findPid('mysqld');

  start(): () => CpuUse {
    const t0 = performance.now();
    const node0 = process.cpuUsage();
    const db0 = this.mariadbTicks();
    const machine0 = machineBusyTicks();
    return () => {
      const seconds = (performance.now() - t0) / 1000;
      const node = process.cpuUsage(node0);
      const db1 = this.mariadbTicks();
      const machine1 = machineBusyTicks();
      const cores = (a: number | undefined, b: number | undefined) =>
        a === undefined || b === undefined ? undefined : (b - a) / TICKS_PER_SECOND / seconds;
      return {
        node: (node.user + node.system) / 1e6 / seconds,
        mariadb: cores(db0, db1),
        machine: cores(machine0, machine1),
      };
    };
  }

  private mariadbTicks(): number | undefined {
    if (this.mariadbPid === undefined) return undefined;
    try {
      const stat = readFileSync(`/proc/${this.mariadbPid}/stat`, 'utf8');
      // Fields after the ")" that closes the command name; utime and stime are fields 14 and 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(fields[11]) + Number(fields[12]);
    } catch {
      return undefined;
    }
  }
}

/** Ticks all CPUs spent on anything but idle and I/O wait since boot. */
function machineBusyTicks(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    // cpu  user nice system idle iowait irq softirq steal ...
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return user! + nice! + system! + irq! + softirq! + steal!;
  } catch {
    return undefined;
  }
}

function findPid(command: string): number | undefined {
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === command) return Number(entry);
      } catch {
        // The process ended while we looked.
      }
    }
  } catch {
    // No /proc: not Linux.
  }
  return undefined;
}
