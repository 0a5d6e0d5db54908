// The embedded suite (`apps/standalone`, what `npm start` runs) as a child process of the benchmark:
// free ports, a scratch data folder, optionally pinned to one core, with its output counted (the
// failure mode this benchmark guards against included megabytes of warn lines).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { compiledEntry } from '@switchboard/testing';
import { processCpuSeconds } from '../fanout/proc-stats.js';

const root = join(import.meta.dirname, '../..');
const WARN_OR_WORSE = /"level":(?:"(?:warn|error|fatal)"|(?:4\d|5\d|60)\b)/;

/** What the suite printed so far. */
export interface OutputCount {
  bytes: number;
  lines: number;
  /** Log lines at warn, error or fatal. */
  warnLines: number;
}

export interface SuiteOptions {
  /** CPU list for `taskset -c`; undefined leaves scheduling to the kernel. */
  cpu?: string;
  /** Extra environment, e.g. SWITCHBOARD_LOGIC__MAX_QUEUED_SENDS. */
  env?: Record<string, string>;
  /**
   * Run dist/apps/standalone/main.js (built beforehand: `buildApps`) with plain node, not the source
   * through tsx.
   */
  compiled?: boolean;
}

export class SuiteProcess {
  readonly output: OutputCount = { bytes: 0, lines: 0, warnLines: 0 };
  /** Warn+ lines by distinct `msg`: how many, and the first one in full (cut at 600 characters). */
  readonly warnSamples = new Map<string, { count: number; first: string }>();
  private readonly tail: string[] = [];
  private partial = '';
  private readonly exit: Promise<number | null>;
  tcpUrl = '';
  wsUrl = '';
  metricsUrls: string[] = [];

  private constructor(
    readonly proc: ChildProcess,
    readonly dataDir: string,
  ) {
    this.exit = new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
    const count = (chunk: Buffer) => {
      this.output.bytes += chunk.length;
      const text = this.partial + chunk.toString('utf8');
      const lines = text.split('\n');
      this.partial = lines.pop()!;
      for (const line of lines) this.line(line);
    };
    proc.stdout!.on('data', count);
    proc.stderr!.on('data', count);
  }

  static start(options: SuiteOptions): SuiteProcess {
    const dataDir = mkdtempSync(join(tmpdir(), 'sb-overload-'));
    const nodeArgs = [
      ...(options.compiled
        ? [compiledEntry('standalone')]
        : ['--import', 'tsx', join(root, 'apps/standalone/src/main.ts')]),
      '--tcp-port',
      '0',
      '--ws-port',
      '0',
      '--data-dir',
      dataDir,
    ];
    const [command, argv] =
      options.cpu === undefined
        ? [process.execPath, nodeArgs]
        : ['taskset', ['-c', options.cpu, process.execPath, ...nodeArgs]];
    const proc = spawn(command, argv, {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        SWITCHBOARD_GATE__GRPC_PORT: '0',
        SWITCHBOARD_ROUTE__GRPC_PORT: '0',
        SWITCHBOARD_LOGIC__GRPC_PORT: '0',
        SWITCHBOARD_LOGIC__HTTP_PORT: '0',
        SWITCHBOARD_LOGIC__API__HTTP_PORT: '0',
        SWITCHBOARD_LOGIC__API__GRPC_PORT: '0',
        SWITCHBOARD_ROUTE__HEALTH__PORT: '0',
        SWITCHBOARD_GATE__HEALTH__PORT: '0',
        ...options.env,
      },
    });
    return new SuiteProcess(proc, dataDir);
  }

  get pid(): number {
    return this.proc.pid!;
  }

  /** Waits for the banner and reads where to connect. */
  async ready(timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.metricsUrls.length || !this.tcpUrl) {
      if (this.proc.exitCode !== null)
        throw new Error(`the suite exited with ${this.proc.exitCode}:\n${this.tail.join('\n')}`);
      if (Date.now() > deadline) throw new Error(`the suite did not start:\n${this.tail.join('\n')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The demo app's token secret, from the suite's SQLite file. */
  demoSecret(): string {
    const db = new Database(join(this.dataDir, 'switchboard.db'), { readonly: true, fileMustExist: true });
    try {
      const row = db.prepare('SELECT token_secret FROM apps WHERE app_id = ?').get('demo') as
        { token_secret: string } | undefined;
      if (!row) throw new Error('no demo app in the embedded database');
      return row.token_secret;
    } finally {
      db.close();
    }
  }

  /** User plus system CPU the suite has used, in seconds. */
  cpuSeconds(): number {
    return processCpuSeconds(this.pid) ?? 0;
  }

  /** Every counter of every /metrics endpoint, summed by name (labels dropped). */
  async metrics(): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const url of this.metricsUrls) {
      const text = await (await fetch(url)).text();
      for (const line of text.split('\n')) {
        const m = /^([a-z_]+)(?:\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
        if (m) out.set(m[1]!, (out.get(m[1]!) ?? 0) + Number(m[2]));
      }
    }
    return out;
  }

  async stop(): Promise<number | null> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 20_000);
    const code = await this.exit;
    clearTimeout(timer);
    rmSync(this.dataDir, { recursive: true, force: true });
    return code;
  }

  private line(line: string): void {
    this.output.lines++;
    this.tail.push(line);
    if (this.tail.length > 20) this.tail.shift();
    if (WARN_OR_WORSE.test(line)) {
      this.output.warnLines++;
      const msg = /"msg":"([^"]*)"/.exec(line)?.[1] ?? line.slice(0, 120);
      const sample = this.warnSamples.get(msg);
      if (sample) sample.count++;
      else this.warnSamples.set(msg, { count: 1, first: line.slice(0, 600) });
    }
    if (!this.tcpUrl) this.tcpUrl = /TCP\s+(tcp:\/\/\S+)/.exec(line)?.[1] ?? '';
    if (!this.wsUrl) this.wsUrl = /WebSocket\s+(ws:\/\/\S+)/.exec(line)?.[1] ?? '';
    if (/^\s*metrics\s+http:\/\//.test(line)) this.metricsUrls = line.match(/http:\/\/\S+\/metrics/g) ?? [];
  }
}
