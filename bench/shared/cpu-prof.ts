// V8 CPU profiles for benchmarks (summarised by signin/profile-summary.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join, resolve } from 'node:path';

/**
 * Makes every process started from here on load signin/cpu-profile.mjs (through NODE_OPTIONS, since
 * `--cpu-prof` itself is refused there): its first SIGUSR2 starts the profiler, the second writes
 * DIR/<app>-<pid>.cpuprofile. Use {@link toggleCpuProfilers} around the part to profile.
 */
export function profileChildProcesses(dir: string): void {
  mkdirSync(dir, { recursive: true });
  process.env['SB_CPU_PROF_DIR'] = resolve(dir);
  const preload = new URL('../signin/cpu-profile.mjs', import.meta.url).href;
  process.env['NODE_OPTIONS'] = `${process.env['NODE_OPTIONS'] ?? ''} --import ${preload}`.trim();
}

/** Starts, or stops and writes, the profiles of processes started after {@link profileChildProcesses}. */
export function toggleCpuProfilers(pids: readonly number[]): void {
  for (const pid of pids) process.kill(pid, 'SIGUSR2');
}

/** Profiles this process until the returned function is called, which writes DIR/<name>-<pid>.cpuprofile. */
export async function profileThisProcess(dir: string, name: string): Promise<() => Promise<void>> {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((ok, fail) =>
      session.post(method, params, (err, result) => (err ? fail(err) : ok(result))),
    );
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 200 });
  await post('Profiler.start');
  return async () => {
    const { profile } = (await post('Profiler.stop')) as { profile: unknown };
    session.disconnect();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${name}-${process.pid}.cpuprofile`), JSON.stringify(profile));
  };
}
