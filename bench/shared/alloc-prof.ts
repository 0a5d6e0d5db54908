// Allocation profiles for benchmarks (summarised by alloc-summary.ts): which code allocates the
// bytes that make the services collect garbage, per message.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { areaOf, frameKey, isOwnFrame, sourceFrame } from './profile-areas.js';

/**
 * Makes every process started from here on load alloc-profile.mjs (through NODE_OPTIONS): its first
 * SIGUSR2 starts V8's sampling heap profiler (one sample per `intervalBytes` allocated, on
 * average), the second writes DIR/<app>-<pid>.heapprofile; with `promotedOnly`, of the objects a
 * young collection freed none are counted: what is left was promoted to the old generation (or is
 * live). Signal the processes around the part to profile (the same signal as the CPU profiler's:
 * use one or the other).
 */
export function profileChildAllocations(dir: string, promotedOnly = false, intervalBytes = 8192): void {
  mkdirSync(dir, { recursive: true });
  if (promotedOnly) process.env['SB_ALLOC_PROF_PROMOTED'] = '1';
  process.env['SB_ALLOC_PROF_DIR'] = resolve(dir);
  process.env['SB_ALLOC_PROF_INTERVAL'] = String(intervalBytes);
  const preload = new URL('./alloc-profile.mjs', import.meta.url).href;
  process.env['NODE_OPTIONS'] = `${process.env['NODE_OPTIONS'] ?? ''} --import ${preload}`.trim();
}

/** What the profiled part did, for the summary's per-message figures: DIR/messages.json. */
export function writeProfiledMessages(dir: string, messages: number, label: string): void {
  writeFileSync(join(dir, 'messages.json'), JSON.stringify({ messages, label }));
}

// A node of V8's sampling heap profile (HeapProfiler.stopSampling): selfSize is its estimate of the
// bytes allocated in that frame, scaled up from the samples.
export interface HeapProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber?: number };
  selfSize: number;
  children: HeapProfileNode[];
}

export interface AllocationSummary {
  total: number;
  areas: Map<string, number>;
  /** Bytes by the function that allocated them. */
  self: Map<string, number>;
  /** Bytes by the nearest own (apps/, libs/) function on the stack: '(no own frame)' otherwise. */
  nearestOwn: Map<string, number>;
}

const add = (m: Map<string, number>, key: string, n: number) => m.set(key, (m.get(key) ?? 0) + n);

/** Walks a profile's tree (iteratively: stacks can be deep). */
export function summariseAllocations(head: HeapProfileNode): AllocationSummary {
  const out: AllocationSummary = { total: 0, areas: new Map(), self: new Map(), nearestOwn: new Map() };
  const stack: Array<{ node: HeapProfileNode; own: string }> = [{ node: head, own: '(no own frame)' }];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const { node } = item;
    const f = sourceFrame(node.callFrame);
    const own = isOwnFrame(f.url) ? frameKey(f) : item.own;
    if (node.selfSize > 0) {
      out.total += node.selfSize;
      add(out.areas, areaOf(f.url, f.functionName), node.selfSize);
      add(out.self, frameKey(f), node.selfSize);
      add(out.nearestOwn, own, node.selfSize);
    }
    for (const child of node.children) stack.push({ node: child, own });
  }
  return out;
}
