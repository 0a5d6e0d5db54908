// For the profiler preloads (signin/cpu-profile.mjs, shared/alloc-profile.mjs): the name a profile
// file takes, and one inspector session toggled by SIGUSR2.
import { Session } from 'node:inspector';
import { basename, dirname } from 'node:path';

/** `logic` for apps/logic/src/main.ts (from source) and dist/apps/logic/main.js (compiled). */
export function profiledName(main = process.argv[1] ?? 'node') {
  if (basename(main) === 'main.ts') return basename(dirname(dirname(main)));
  if (basename(main) === 'main.js') return basename(dirname(main));
  return basename(main, '.ts');
}

/** The first SIGUSR2 calls `start(session)`, the second `stop(session)`, and so on. */
export function toggleOnSignal(start, stop) {
  const session = new Session();
  let running = false;
  process.on('SIGUSR2', () => {
    running = !running;
    if (running) {
      session.connect();
      start(session);
    } else {
      stop(session, () => session.disconnect());
    }
  });
}
