// Loaded with `NODE_OPTIONS=--import .../alloc-profile.mjs` into every process a benchmark starts
// with `--alloc-prof DIR` (see alloc-prof.ts): the first SIGUSR2 starts V8's sampling heap profiler,
// the second writes DIR/<app>-<pid>.heapprofile. Objects a young or full collection has already
// freed are kept in the profile: the point is what a request allocates (what makes the collections
// that pause every service), not what stays live; with SB_ALLOC_PROF_PROMOTED set, only what
// survived young collections.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { profiledName, toggleOnSignal } from './profiled-process.mjs';

const dir = process.env.SB_ALLOC_PROF_DIR;
if (dir) {
  const name = profiledName();
  const interval = Number(process.env.SB_ALLOC_PROF_INTERVAL || 8192);
  toggleOnSignal(
    (session) => {
      session.post('HeapProfiler.enable');
      session.post('HeapProfiler.startSampling', {
        samplingInterval: interval,
        includeObjectsCollectedByMajorGC: true,
        // Without those a young collection frees: what gets promoted to the old generation (and
        // so makes the full collections), by the code that allocated it.
        includeObjectsCollectedByMinorGC: !process.env.SB_ALLOC_PROF_PROMOTED,
      });
    },
    (session, done) =>
      session.post('HeapProfiler.stopSampling', (err, result) => {
        if (!err)
          writeFileSync(join(dir, `${name}-${process.pid}.heapprofile`), JSON.stringify(result.profile));
        done();
      }),
  );
}
