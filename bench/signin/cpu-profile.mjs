// Loaded with `NODE_OPTIONS=--import .../cpu-profile.mjs` into every process `run.ts --cpu-prof DIR`
// starts (`--cpu-prof` itself is refused in NODE_OPTIONS, and the cluster spawns its services): the
// first SIGUSR2 starts the V8 CPU profiler, the second writes DIR/<app>-<pid>.cpuprofile, so a
// profile covers the storm only, not start-up or shutdown.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { profiledName, toggleOnSignal } from '../shared/profiled-process.mjs';

const dir = process.env.SB_CPU_PROF_DIR;
if (dir) {
  const name = profiledName();
  toggleOnSignal(
    (session) => {
      session.post('Profiler.enable');
      session.post('Profiler.setSamplingInterval', { interval: 500 });
      session.post('Profiler.start');
    },
    (session, done) =>
      session.post('Profiler.stop', (err, result) => {
        if (!err)
          writeFileSync(join(dir, `${name}-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
        done();
      }),
  );
}
