// Sign-in storm (issue 9): N connections opened and signed in, `--inflight` at a time, split over a
// TCP and a WebSocket gate, by several load processes (none holds more than a few thousand
// sockets). Against the local cluster (startCluster: 1 logic, 1 route, a TCP and a WS gate, on a
// scratch MariaDB database and a Redis key prefix of its own, dropped and deleted at the end) or,
// with --embedded, the embedded suite (apps/standalone: SQLite, memory route store).
// Baseline in the same run, same load processes: as many raw `net` and `ws` connections to a bare
// server (bare-server.ts) that answers one 8-byte message per connection: connection setup alone.
// Reports connections/s, p50/p99 connect start -> answer (SignInResponse for Switchboard), errors
// by code, and CPU per connection of every serving process (logic, route, each gate; MariaDB and
// Redis apart), and for the cluster how many sign-ins each gate gathered into one SignInBatch call;
// exits non-zero unless every connection ended signed in as its own user.
// Services are pinned to CPU 0 and the load processes to CPU 1 with taskset (--no-pin: not pinned).
// Run: npm run bench:signin                 (about 1 minute; MariaDB and Redis on this machine)
//      npm run bench:signin -- --embedded
// Flags: --connections 10000 --inflight 500 --loads 4 --only switchboard|baseline --no-pin
//        --mysql mysql://root@127.0.0.1:3306 --redis-url redis://127.0.0.1:6379
//        --compiled: the cluster's services built first (scripts/build-app.mjs) and run from
//        dist/apps with plain node, as deployed, instead of from source through tsx
//        --cpu-prof DIR: a V8 CPU profile of every serving process over the storm only, written to
//        DIR/<service>-<pid>.cpuprofile (cpu-profile.mjs); summarise with profile-summary.ts.
// Results go in docs/benchmarks.md, section "Sign-in storm".
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_MYSQL_SERVER_URI } from '@switchboard/storage';
import { Child } from '../fanout/child.js';
import { processCpuSeconds } from '../fanout/proc-stats.js';
import { int, ms, ratio, table } from '../fanout/report.js';
import { quantile } from '../fanout/stats.js';
import { profileChildProcesses, toggleCpuProfilers } from '../shared/cpu-prof.js';
import { canPin, pinProcess } from '../shared/pin.js';
import {
  compiledFlag,
  runBenchmark,
  servingCpuSeconds,
  startClusterTarget,
  startEmbeddedTarget,
  type ServingProcess,
  type Target,
} from '../groups/target.js';
import type { BareReport, LoadCommand, LoadReport, StormKind, StormResult } from './ipc.js';

const { values: args } = parseArgs({
  options: {
    embedded: { type: 'boolean', default: false },
    compiled: { type: 'boolean', default: false },
    connections: { type: 'string', default: '10000' },
    inflight: { type: 'string', default: '500' },
    loads: { type: 'string', default: '4' },
    only: { type: 'string', default: '' },
    'no-pin': { type: 'boolean', default: false },
    mysql: { type: 'string', default: DEFAULT_MYSQL_SERVER_URI },
    'redis-url': { type: 'string', default: 'redis://127.0.0.1:6379' },
    'cpu-prof': { type: 'string', default: '' },
  },
});
// Inherited by every process started from here on (the services, the embedded suite).
if (args['cpu-prof']) profileChildProcesses(args['cpu-prof']);
const CONNECTIONS = Number(args.connections);
const INFLIGHT = Number(args.inflight);
const LOADS = Number(args.loads);
const COMPILED = compiledFlag(args);
if (!['', 'switchboard', 'baseline'].includes(args.only))
  throw new Error('--only is switchboard or baseline');
if (!(CONNECTIONS > 0 && INFLIGHT > 0 && LOADS > 0))
  throw new Error('--connections, --inflight, --loads > 0');

const PIN = canPin(args['no-pin']);
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const log = (line: string) => console.log(`[signin] ${line}`);
type Load = Child<LoadCommand, LoadReport>;
let liveTarget: Target | undefined;

/** Moves a running process, every thread of it, to CPU 0 (where the services run). */
function pinToServiceCpu(pid: number): void {
  if (PIN) pinProcess(pid, '0');
}

interface Phase {
  server: string;
  kind: StormKind;
  processes: readonly ServingProcess[];
  results: StormResult[];
  /** Serving processes' CPU seconds over the storm, by name. */
  cpu: Map<string, number>;
  loadCpuSeconds: number;
  /** Connections the server closed before the end of the phase. */
  closedEarly: number;
}

const answered = (p: Phase) => p.results.reduce((n, r) => n + r.tcpMs.length + r.wsMs.length, 0);
const seconds = (p: Phase) =>
  (Math.max(...p.results.map((r) => r.endMs)) - Math.min(...p.results.map((r) => r.startMs))) / 1000;
const rate = (p: Phase) => answered(p) / seconds(p);
const sorted = (arrays: Float64Array[]) => {
  const all = new Float64Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) all.set(a, (at += a.length) - a.length);
  return all.sort();
};
const latencies = (p: Phase, pick: (r: StormResult) => Float64Array[]) => sorted(p.results.flatMap(pick));
const errorsOf = (p: Phase) => {
  const all: Record<string, number> = {};
  for (const r of p.results) for (const [k, n] of Object.entries(r.errors)) all[k] = (all[k] ?? 0) + n;
  return all;
};
const ours = (p: Phase) =>
  p.processes.filter((s) => !s.store).reduce((sum, s) => sum + (p.cpu.get(s.name) ?? 0), 0);

/** With --cpu-prof: starts, or stops and writes, the serving processes' profiles (cpu-profile.mjs). */
function toggleProfilers(kind: StormKind, processes: readonly ServingProcess[]): void {
  if (!args['cpu-prof'] || kind !== 'switchboard') return;
  toggleCpuProfilers(processes.filter((p) => !p.store).map((p) => p.pid));
}

/** One storm: every load process opens its share of `urls`, all at once; then they close them. */
async function storm(
  server: string,
  kind: StormKind,
  urls: string[],
  loads: Load[],
  processes: readonly ServingProcess[],
  app: { appId: string; secret: string },
): Promise<Phase> {
  const per = Math.ceil(CONNECTIONS / loads.length);
  log(`${server}: minting tokens, ${int(CONNECTIONS)} connections over ${loads.length} load processes ...`);
  loads.forEach((load, i) => {
    const offset = i * per;
    load.send({
      t: 'prepare',
      spec: {
        kind,
        urls,
        offset,
        count: Math.max(0, Math.min(per, CONNECTIONS - offset)),
        inflight: Math.max(1, Math.round(INFLIGHT / loads.length)),
        ...app,
      },
    });
  });
  await Promise.all(loads.map((l) => l.next('ready', 120_000)));
  const done = loads.map(() => 0);
  const failed = loads.map(() => 0);
  loads.forEach((l, i) => l.on('progress', (p) => ((done[i] = p.done), (failed[i] = p.failed))));
  const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
  const t0 = performance.now();
  let last = 0;
  const progress = setInterval(() => {
    const now = sum(done);
    const s = (performance.now() - t0) / 1000;
    log(
      `${server}: ${int(now)}/${int(CONNECTIONS)} answered, ${int(sum(failed))} failed, ` +
        `${int(now - last)}/s now, ${s.toFixed(0)} s`,
    );
    last = now;
  }, 1000);
  const loadCpu0 = loads.map((l) => processCpuSeconds(l.pid) ?? 0);
  const before = servingCpuSeconds(processes).each;
  toggleProfilers(kind, processes);
  loads.forEach((l) => l.send({ t: 'go' }));
  const results = await Promise.all(loads.map((l) => l.next('done', 600_000))).finally(() =>
    clearInterval(progress),
  );
  toggleProfilers(kind, processes);
  const after = servingCpuSeconds(processes).each;
  const loadCpuSeconds = sum(loads.map((l, i) => (processCpuSeconds(l.pid) ?? 0) - loadCpu0[i]!));
  const cpu = new Map([...after].map(([name, s]) => [name, s - (before.get(name) ?? 0)]));
  loads.forEach((l) => l.send({ t: 'close' }));
  const closed = await Promise.all(loads.map((l) => l.next('closed', 60_000)));
  const phase: Phase = {
    server,
    kind,
    processes,
    results: results.map((d) => d.result),
    cpu,
    loadCpuSeconds,
    closedEarly: sum(closed.map((c) => c.closedEarly)),
  };
  log(
    `${server}: ${int(answered(phase))} answered in ${seconds(phase).toFixed(1)} s ` +
      `(${int(rate(phase))}/s), p99 ${ms(
        quantile(
          latencies(phase, (r) => [r.tcpMs, r.wsMs]),
          0.99,
        ),
      )} ms`,
  );
  // Let the servers see the closes before the next phase.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  return phase;
}

async function baseline(loads: Load[]): Promise<Phase> {
  const bare = Child.start<{ t: 'stop' }, BareReport>('bare server', here('./bare-server.ts'), [], {
    cpu: PIN ? '0' : undefined,
  });
  try {
    const r = await bare.next('ready', 60_000);
    const urls = [`ws://127.0.0.1:${r.wsPort}/`, `tcp://127.0.0.1:${r.tcpPort}`];
    return await storm(BASELINE, 'raw', urls, loads, [{ name: 'bare server', pid: bare.pid, store: false }], {
      appId: '',
      secret: '',
    });
  } finally {
    bare.proc.kill('SIGTERM');
    await bare.exited;
  }
}

async function switchboard(loads: Load[]): Promise<Phase> {
  log(args.embedded ? 'starting the embedded suite ...' : 'starting the local cluster ...');
  const target = (liveTarget = args.embedded
    ? await startEmbeddedTarget()
    : await startClusterTarget({
        ws: 1,
        tcp: 1,
        mysqlServer: args.mysql,
        redisUrl: args['redis-url'],
        compiled: COMPILED,
      }));
  try {
    log(target.description);
    for (const p of target.processes) if (!p.store) pinToServiceCpu(p.pid);
    const app = { appId: target.appId, secret: target.secret };
    const phase = await storm(
      'Switchboard',
      'switchboard',
      [...target.gateUrls],
      loads,
      target.processes,
      app,
    );
    for (const w of target.warnings) log(`service warning: ${w}`);
    for (const line of await signInBatchSizes(target.processes)) log(line);
    return phase;
  } finally {
    liveTarget = undefined;
    await target.stop();
  }
}

/**
 * How many sign-ins each gate gathered into one SignInBatch call to logic (its
 * switchboard_gate_signin_batch_signins histogram), and at logic how many binds went in one
 * BindMany call to route and how many database statements it ran, where a process serves /metrics.
 */
async function signInBatchSizes(processes: readonly ServingProcess[]): Promise<string[]> {
  const lines: string[] = [];
  for (const p of processes) {
    if (!p.metricsUrl) continue;
    const text = await fetch(p.metricsUrl, { signal: AbortSignal.timeout(30_000) }).then(
      (r) => r.text(),
      (err: unknown) => `${err instanceof Error ? err.message : String(err)}`,
    );
    if (!text.startsWith('#')) {
      lines.push(`${p.name}: no /metrics (${text.slice(0, 200)})`);
      continue;
    }
    /** The sum of every series of `metric` (all label sets). */
    const total = (metric: string) => {
      let sum = 0;
      for (const m of text.matchAll(new RegExp(`^${metric}(?:\\{[^}]*\\})? (\\S+)`, 'gm')))
        sum += Number(m[1]);
      return sum;
    };
    const per = (items: number, calls: number) => (items / calls).toFixed(1);
    const [signIns, calls] = [
      total('switchboard_gate_signin_batch_signins_sum'),
      total('switchboard_gate_signin_batch_signins_count'),
    ];
    if (calls > 0)
      lines.push(
        `${p.name}: ${int(signIns)} sign-ins in ${int(calls)} SignInBatch calls (${per(signIns, calls)} a call)`,
      );
    const [binds, bindCalls] = [
      total('switchboard_logic_bind_many_binds_sum'),
      total('switchboard_logic_bind_many_binds_count'),
    ];
    if (bindCalls > 0) {
      const statements = total('switchboard_db_seconds_count');
      lines.push(
        `${p.name}: ${int(binds)} binds in ${int(bindCalls)} BindMany calls (${per(binds, bindCalls)} a call); ` +
          `${int(statements)} database statements (${per(statements, CONNECTIONS)} a sign-in, start-up included)`,
      );
    }
  }
  return lines;
}

const BASELINE = 'bare ws + net server (baseline)';

function stormTable(phases: Phase[]): string {
  return table(
    [
      'server',
      'connections',
      'answered',
      'failed',
      'per s',
      'p50 (ms)',
      'p99 (ms)',
      'p99 TCP',
      'p99 WS',
      'wall (s)',
    ],
    phases.map((p) => {
      const all = latencies(p, (r) => [r.tcpMs, r.wsMs]);
      return [
        p.server,
        int(CONNECTIONS),
        int(answered(p)),
        int(CONNECTIONS - answered(p)),
        int(rate(p)),
        ms(quantile(all, 0.5)),
        ms(quantile(all, 0.99)),
        ms(
          quantile(
            latencies(p, (r) => [r.tcpMs]),
            0.99,
          ),
        ),
        ms(
          quantile(
            latencies(p, (r) => [r.wsMs]),
            0.99,
          ),
        ),
        seconds(p).toFixed(1),
      ];
    }),
  );
}

function cpuTable(phases: Phase[]): string {
  const rows = phases.flatMap((p) => {
    const n = Math.max(1, answered(p));
    const row = (name: string, s: number) => [
      p.server,
      name,
      s.toFixed(2),
      ((s / n) * 1e6).toFixed(0),
      (s / seconds(p)).toFixed(2),
    ];
    return [
      ...p.processes.map((s) => row(s.store ? `${s.name} (shared)` : s.name, p.cpu.get(s.name) ?? 0)),
      row('serving, without MariaDB and Redis', ours(p)),
      row('load processes', p.loadCpuSeconds),
    ];
  });
  return table(['server', 'process', 'CPU (s)', 'CPU/connection (µs)', 'cores'], rows);
}

function ratioTable(sb: Phase, base: Phase): string {
  const pick = (p: Phase, q: number) =>
    quantile(
      latencies(p, (r) => [r.tcpMs, r.wsMs]),
      q,
    );
  return table(
    ['Switchboard / baseline', 'per s', 'p50', 'p99', 'serving CPU/connection', 'load CPU/connection'],
    [
      [
        'ratio',
        ratio(rate(sb) / rate(base)),
        ratio(pick(sb, 0.5) / pick(base, 0.5)),
        ratio(pick(sb, 0.99) / pick(base, 0.99)),
        ratio(ours(sb) / answered(sb) / (ours(base) / answered(base))),
        ratio(sb.loadCpuSeconds / answered(sb) / (base.loadCpuSeconds / answered(base))),
      ],
      [
        'difference (Switchboard - baseline)',
        '',
        `+${ms(pick(sb, 0.5) - pick(base, 0.5))} ms`,
        `+${ms(pick(sb, 0.99) - pick(base, 0.99))} ms`,
        `+${((ours(sb) / answered(sb) - ours(base) / answered(base)) * 1e6).toFixed(0)} µs`,
        '',
      ],
    ],
  );
}

/** Problems that make the run fail: anything but every connection answered rightly and kept open. */
function problems(p: Phase): string[] {
  const out: string[] = [];
  const missing = CONNECTIONS - answered(p);
  if (missing > 0) out.push(`${p.server}: ${int(missing)} of ${int(CONNECTIONS)} connections not answered`);
  const wrong = p.results.reduce((n, r) => n + r.wrong, 0);
  if (wrong > 0) out.push(`${p.server}: ${int(wrong)} answers for the wrong user`);
  const errors = Object.entries(errorsOf(p));
  if (errors.length) out.push(`${p.server}: errors ${errors.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  if (p.closedEarly > 0) out.push(`${p.server}: ${int(p.closedEarly)} connections closed by the server`);
  return out;
}

async function main(): Promise<number> {
  const load0 = loadavg();
  log(
    `${int(CONNECTIONS)} connections, ${INFLIGHT} in flight, ${LOADS} load processes; ` +
      (PIN ? 'services on CPU 0, load on CPU 1' : 'not pinned'),
  );
  const loads: Load[] = Array.from({ length: LOADS }, (_, i) =>
    Child.start(`load ${i}`, here('./load.ts'), [], { cpu: PIN ? '1' : undefined }),
  );
  const phases: Phase[] = [];
  try {
    if (args.only !== 'switchboard') phases.push(await baseline(loads));
    if (args.only !== 'baseline') phases.push(await switchboard(loads));
  } finally {
    await Promise.all(loads.map((l) => l.stop({ t: 'stop' }, 5000)));
  }
  const load1 = loadavg();
  const cpu = cpus();
  console.log(
    `\n## Sign-in storm: ${args.embedded ? 'embedded suite' : `local cluster${COMPILED ? ', compiled' : ''}`}\n\n` +
      `${new Date().toISOString()}, Node ${process.version}, ${cpu.length} x ${cpu[0]?.model ?? '?'}, ` +
      `${PIN ? 'services on CPU 0, load on CPU 1' : 'not pinned'}; load average ` +
      `${load0.map((l) => l.toFixed(2)).join(' ')} at the start, ${load1.map((l) => l.toFixed(2)).join(' ')} at the end.\n` +
      `${int(CONNECTIONS)} connections, ${INFLIGHT} in flight, half TCP and half WS, from ${LOADS} load processes. ` +
      `Latency: connect start -> SignInResponse (baseline: -> the bare server's echo of 8 bytes).\n`,
  );
  console.log(stormTable(phases));
  console.log(`\nCPU over the storm (MariaDB and Redis are shared with anything else on the machine):\n`);
  console.log(cpuTable(phases));
  const sb = phases.find((p) => p.kind === 'switchboard');
  const base = phases.find((p) => p.kind === 'raw');
  if (sb && base) console.log(`\n${ratioTable(sb, base)}`);
  const bad = phases.flatMap(problems);
  if (bad.length) {
    console.error(`\nFAILED:\n${bad.map((b) => `  - ${b}`).join('\n')}`);
    return 1;
  }
  console.log(`\nOK: every connection answered; every sign-in named its own user.`);
  return 0;
}

await runBenchmark(main, () => liveTarget);
