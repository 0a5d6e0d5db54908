// Memory of a running Node process after a full GC, through the inspector (Chrome DevTools
// Protocol): works for processes this benchmark did not start with an IPC channel or --expose-gc,
// such as the local cluster's services. The process must run with `--inspect-port=N` (0: any free
// port); SIGUSR1 then opens the inspector, and Node prints where on stderr.
import { createWriteStream, readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { readRss } from '../fanout/proc-stats.js';

/** How long after a forced GC RSS is read (see InspectorProbe.read). */
const RELEASE_WAIT_MS = 1_000;

/** The inspector's address in the line Node prints when it opens: `Debugger listening on ws://...`. */
export function inspectorUrlIn(line: string): string | undefined {
  return /Debugger listening on (ws:\/\/\S+)/.exec(line)?.[1];
}

/** Where the inspector of a process that runs with `--inspect-port=port` listens, once it is open. */
export async function inspectorUrlAt(port: number): Promise<string> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{
    webSocketDebuggerUrl: string;
  }>;
  const url = targets[0]?.webSocketDebuggerUrl;
  if (!url) throw new Error(`no inspector target on port ${port}`);
  return url;
}

export interface MemoryReading {
  /** Resident set size, bytes (/proc). */
  rss: number;
  /** V8 heap used after a full GC, bytes. */
  heap: number;
  /**
   * V8 heap committed (pages held, used or not) after that GC, bytes: with `heap`, tells heap
   * fragmentation from native memory in the RSS.
   */
  committed?: number;
  /** `process.memoryUsage()` of the process: external and arrayBuffers (native memory V8 knows of). */
  external?: number;
  arrayBuffers?: number;
  /**
   * ArrayBuffer memory before the GC the reading starts with: buffers dead but not yet collected
   * (most of it), whose native memory the GC frees into the allocator's heap, where it stays
   * resident until reused.
   */
  uncollectedArrayBuffers?: number;
  /**
   * Physical bytes of V8's young generation (new space and new large-object space): empty after a
   * full GC, its committed size set by V8's heuristics (up to 3 x 16 MiB), not by what is live.
   */
  young?: number;
  /** Resident bytes by kind of mapping (/proc/<pid>/smaps): see {@link residentByMapping}. */
  mappings?: Record<string, number>;
}

/**
 * Resident bytes of `pid` by kind of mapping: `brk` (glibc's main arena, [heap]), `anon` (other
 * anonymous mappings: V8's heap pages, glibc's other arenas and large allocations), `file` and
 * `other` ([stack] and the like). Tells native allocator memory from the rest, roughly.
 */
export function residentByMapping(pid: number): Record<string, number> {
  const out: Record<string, number> = { brk: 0, anon: 0, file: 0, other: 0 };
  let kind = 'other';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      const name = header[1]!;
      kind = name === '[heap]' ? 'brk' : name === '' ? 'anon' : name.startsWith('/') ? 'file' : 'other';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) out[kind]! += Number(rss[1]) * 1024;
  }
  return out;
}

/** A session on one process's inspector. */
export class InspectorProbe {
  private nextId = 1;
  private readonly waiting = new Map<number, (result: Record<string, unknown>) => void>();
  /** Receives the chunks of the heap snapshot being taken, if any. */
  private onChunk: ((chunk: string) => void) | undefined;

  private constructor(
    readonly pid: number,
    private readonly ws: WebSocket,
  ) {
    ws.on('message', (data: Buffer) => {
      const m = JSON.parse(data.toString('utf8')) as {
        id?: number;
        method?: string;
        params?: { chunk?: string };
        result?: Record<string, unknown>;
      };
      if (m.method === 'HeapProfiler.addHeapSnapshotChunk') this.onChunk?.(m.params?.chunk ?? '');
      if (m.id === undefined) return;
      this.waiting.get(m.id)?.(m.result ?? {});
      this.waiting.delete(m.id);
    });
  }

  static async open(pid: number, url: string): Promise<InspectorProbe> {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return new InspectorProbe(pid, ws);
  }

  private call(method: string, params?: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** `process.memoryUsage()` in the process (its main context has `process`). */
  private async nodeMemory(): Promise<{ external?: number; arrayBuffers?: number; young?: number }> {
    // process.getBuiltinModule: the main context of an ES module has no `require`.
    const answer = await this.call('Runtime.evaluate', {
      expression: `JSON.stringify({ ...process.memoryUsage(), young: process.getBuiltinModule?.('v8')
        .getHeapSpaceStatistics().filter((s) => s.space_name.startsWith('new_'))
        .reduce((n, s) => n + s.physical_space_size, 0) })`,
      returnByValue: true,
    });
    const value = (answer['result'] as { value?: unknown } | undefined)?.value;
    if (typeof value !== 'string') return {};
    const usage = JSON.parse(value) as { external: number; arrayBuffers: number; young?: number };
    return { external: usage.external, arrayBuffers: usage.arrayBuffers, young: usage.young };
  }

  /** RSS and heap after a full GC (twice: the first can leave what only the second finds). */
  async read(): Promise<MemoryReading> {
    const uncollected = (await this.nodeMemory()).arrayBuffers;
    await this.call('HeapProfiler.collectGarbage');
    await this.call('HeapProfiler.collectGarbage');
    // The GC call returns before V8's background threads are done with it (sweeping, freeing
    // pages and the native memory of dead ArrayBuffers): RSS is read a moment later, so that the
    // reading does not depend on how far they got.
    await new Promise((resolve) => setTimeout(resolve, RELEASE_WAIT_MS));
    const usage = await this.call('Runtime.getHeapUsage');
    return {
      rss: readRss(this.pid),
      heap: Number(usage['usedSize']),
      committed: Number(usage['totalSize']),
      ...(await this.nodeMemory()),
      uncollectedArrayBuffers: uncollected,
      mappings: residentByMapping(this.pid),
    };
  }

  /** Writes a heap snapshot (after the GCs V8 does for one) to `file`; see bench/idle/heap-diff.ts. */
  async snapshot(file: string): Promise<void> {
    const out = createWriteStream(file);
    this.onChunk = (chunk) => out.write(chunk);
    try {
      await this.call('HeapProfiler.takeHeapSnapshot');
    } finally {
      this.onChunk = undefined;
      await new Promise<void>((resolve, reject) =>
        out.end((err?: Error | null) => (err ? reject(err) : resolve())),
      );
    }
  }

  close(): void {
    this.ws.terminate();
  }
}
