// Loaded with `NODE_OPTIONS=--import .../cpu-profile.mjs` into every process `run.ts --cpu-prof DIR`
// starts (`--cpu-prof` itself is refused in NODE_OPTIONS, and the cluster spawns its services): the
// first SIGUSR2 starts the V8 CPU profiler, the second writes DIR/<app>-<pid>.cpuprofile, so a
// profile covers the storm only, not start-up or shutdown.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { basename, dirname, join } from 'node:path';

const dir = process.env.SB_CPU_PROF_DIR;
if (dir) {
  const main = process.argv[1] ?? 'node';
  const name = basename(main) === 'main.ts' ? basename(dirname(dirname(main))) : basename(main, '.ts');
  const session = new Session();
  let running = false;
  process.on('SIGUSR2', () => {
    if (!running) {
      session.connect();
      session.post('Profiler.enable');
      session.post('Profiler.setSamplingInterval', { interval: 500 });
      session.post('Profiler.start');
      running = true;
      return;
    }
    running = false;
    session.post('Profiler.stop', (err, result) => {
      if (!err) writeFileSync(join(dir, `${name}-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
      session.disconnect();
    });
  });
}
