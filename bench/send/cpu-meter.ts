import { mysqlServerPid, machineBusySeconds, processCpuSeconds } from '../fanout/proc-stats.js';

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
  private readonly mariadbPid = mysqlServerPid();

  start(): () => CpuUse {
    const t0 = performance.now();
    const node0 = process.cpuUsage();
    const db0 = this.mariadbSeconds();
    const machine0 = machineBusySeconds();
    return () => {
      const seconds = (performance.now() - t0) / 1000;
      const node = process.cpuUsage(node0);
      const db1 = this.mariadbSeconds();
      const machine1 = machineBusySeconds();
      const cores = (a: number | undefined, b: number | undefined) =>
        a === undefined || b === undefined ? undefined : (b - a) / seconds;
      return {
        node: (node.user + node.system) / 1e6 / seconds,
        mariadb: cores(db0, db1),
        machine: cores(machine0, machine1),
      };
    };
  }

  private mariadbSeconds(): number | undefined {
    return this.mariadbPid === undefined ? undefined : processCpuSeconds(this.mariadbPid);
  }
}
