// Summarises V8 CPU profiles (run.ts --cpu-prof DIR) as shares of each process's sampled time: by
// package or area (self time of the frames whose script is in it), then the hottest functions.
// A compiled service's frames are read through its bundle's source map: summarise before building again.
// Run: npx tsx bench/signin/profile-summary.ts DIR [--top 15]
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { areaOf, frameKey, sourceFrame } from '../shared/profile-areas.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '15' } },
});
const dir = positionals[0];
if (!dir) throw new Error('usage: profile-summary.ts DIR [--top N]');

for (const file of readdirSync(dir)
  .filter((f) => f.endsWith('.cpuprofile'))
  .sort()) {
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  // The profiler's own start and stop (node:inspector's post) are not the process's work: the first
  // sample after Profiler.start carries the whole wait for it, up to seconds on a busy machine.
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parentOf.set(child, n.id);
  const underInspector = (id: number): boolean => {
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      if (byId.get(at)?.callFrame.url === 'node:inspector') return true;
    }
    return false;
  };
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    if (!underInspector(id)) selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const areas = new Map<string, number>();
  const fns = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of selfUs) {
    const f = sourceFrame(byId.get(id)!.callFrame);
    const area = areaOf(f.url, f.functionName);
    if (area === '(idle)') continue;
    busy += us;
    areas.set(area, (areas.get(area) ?? 0) + us);
    const key = frameKey(f);
    fns.set(key, (fns.get(key) ?? 0) + us);
  }
  const pct = (us: number) => `${((100 * us) / busy).toFixed(1)}%`;
  const top = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n);
  console.log(
    `\n## ${file}: ${(busy / 1e6).toFixed(2)} s busy (idle and the profiler's start/stop excluded)`,
  );
  console.log(
    top(areas, 14)
      .map(([a, us]) => `${a} ${pct(us)}`)
      .join(', '),
  );
  for (const [fn, us] of top(fns, Number(values.top))) console.log(`  ${pct(us).padStart(6)}  ${fn}`);
}
