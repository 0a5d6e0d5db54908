// Summarises allocation profiles (a benchmark's --alloc-prof DIR): per process, the bytes allocated
// while profiling (V8's estimate from its samples), per message when DIR/messages.json says how many
// the profiled step acked; then by area, the functions that allocated them, and the nearest of
// Switchboard's own functions up each stack (which of our calls made a library or Node allocate).
// Run: npx tsx bench/shared/alloc-summary.ts DIR [--top 15]
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { summariseAllocations, type HeapProfileNode } from './alloc-prof.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '15' } },
});
const dir = positionals[0];
if (!dir) throw new Error('usage: alloc-summary.ts DIR [--top N]');
const top = Number(values.top);
const stepFile = join(dir, 'messages.json');
const step = existsSync(stepFile)
  ? (JSON.parse(readFileSync(stepFile, 'utf8')) as { messages: number; label: string })
  : undefined;
const size = (bytes: number) =>
  step && step.messages > 0
    ? `${((bytes / step.messages) | 0).toString().padStart(6)} B/msg`
    : `${(bytes / 1048576).toFixed(1).padStart(7)} MiB`;
for (const file of readdirSync(dir)
  .filter((f) => f.endsWith('.heapprofile'))
  .sort()) {
  const { head } = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { head: HeapProfileNode };
  const s = summariseAllocations(head);
  const pct = (n: number) => `${((100 * n) / s.total).toFixed(1)}%`.padStart(6);
  const ranked = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n);
  console.log(
    `\n## ${file}: ${(s.total / 1048576).toFixed(1)} MiB allocated` +
      (step ? ` over ${step.label}, ${size(s.total).trim()} (${step.messages} messages)` : ''),
  );
  console.log(
    ranked(s.areas, 12)
      .map(([a, n]) => `${a} ${pct(n).trim()}`)
      .join(', '),
  );
  console.log('  by the function that allocated:');
  for (const [fn, n] of ranked(s.self, top)) console.log(`  ${pct(n)} ${size(n)}  ${fn}`);
  console.log("  by the nearest of Switchboard's own functions on the stack:");
  for (const [fn, n] of ranked(s.nearestOwn, top)) console.log(`  ${pct(n)} ${size(n)}  ${fn}`);
}
