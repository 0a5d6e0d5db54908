import { readdirSync, readFileSync } from 'node:fs';

// Linux reports process times in clock ticks of 1/100 s (USER_HZ) on every mainstream build.
const TICKS_PER_SECOND = 100;

/** Resident set size of process `pid` in bytes, from /proc/<pid>/status (VmRSS). */
export function readRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

/** User plus system CPU time of this process, in microseconds. */
export function cpuMicros(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

/**
 * User plus system CPU time process `pid` has used, in seconds, from /proc/<pid>/stat; undefined
 * when the process is gone or not visible.
 */
export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the ")" that closes the command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** What a process has written, from /proc/<pid>/io (every thread). */
export interface WrittenBytes {
  /** Handed to write system calls (`wchar`): files, sockets and pipes. */
  calls: number;
  /** Sent towards the disk (`write_bytes`): page-cache writeback of what the process dirtied. */
  disk: number;
}

/** What process `pid` (or this one) has written; undefined when not readable. */
export function processWrittenBytes(pid: number | 'self' = 'self'): WrittenBytes | undefined {
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    const calls = /^wchar: (\d+)$/m.exec(io);
    const disk = /^write_bytes: (\d+)$/m.exec(io);
    return calls && disk ? { calls: Number(calls[1]), disk: Number(disk[1]) } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CPU time all cores spent on anything but idle and I/O wait since boot, in seconds; undefined
 * without /proc/stat.
 */
export function machineBusySeconds(): number | undefined {
  try {
    // The first line sums every CPU: `cpu  user nice system idle iowait irq softirq steal ...`.
    return busyOf(readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.slice(3));
  } catch {
    return undefined;
  }
}

/**
 * Busy time of each CPU since boot (anything but idle and I/O wait), in seconds, by CPU number;
 * undefined without /proc/stat.
 */
export function cpuBusySeconds(): number[] | undefined {
  try {
    const busy: number[] = [];
    for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
      const match = /^cpu(\d+) (.*)$/.exec(line);
      if (match) busy[Number(match[1])] = busyOf(match[2]!);
    }
    return busy;
  } catch {
    return undefined;
  }
}

/** Seconds of a /proc/stat CPU line's times (after its name) not spent idle or waiting for I/O. */
function busyOf(times: string): number {
  const [user, nice, system, , , irq, softirq, steal] = times.trim().split(/\s+/).map(Number);
  return (user! + nice! + system! + irq! + softirq! + steal!) / TICKS_PER_SECOND;
}

/** The local MySQL server's pid (MariaDB's `mariadbd`, else `mysqld`), if one is visible. */
export function mysqlServerPid(): number | undefined {
  return findPid('mariadbd') ?? findPid('mysqld');
}

/** The pid of a process whose command name is `command` (e.g. `mariadbd`), if one is visible. */
export function findPid(command: string): number | undefined {
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
