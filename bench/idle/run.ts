// Idle memory (issue 9): N signed-in connections held on a WS and a TCP gate (the local cluster's
// gate processes, or with --embedded the embedded suite's gates, both in one process), next to a
// raw `ws` and a raw `net` server (signin/bare-server.ts, one fresh process per transport) holding
// the same number, one round trip each. Connections come from several load processes (load.ts;
// ~20,000 open files per process here) over many 127.0.0.x source addresses. Reports RSS and heap
// per connection, read after a full GC in the server process through its inspector (SIGUSR1 with
// --inspect-port), as the growth from half the connections held to all of them (one-off costs
// left out; RSS the least of --reads readings, without V8's young generation), and the ratios to
// the raw servers measured the same way; then a churn of sign-ins (connect, sign in,
// close) on the gates while the idle connections stay, and the gates' RSS once it settles against
// the idle figure. Services and raw servers are pinned to CPU 0, load processes to CPU 1. Each
// server's line also splits its growth: external memory and ArrayBuffers after the GC, the
// ArrayBuffers that were waiting for it (dead native memory the GC then frees into the
// allocator's heap, where it stays resident), and resident memory by kind of mapping.
// Run: npm run bench:idle                       (a few minutes; MariaDB and Redis on this machine)
//      npm run bench:idle -- --connections 15000
//      npm run bench:idle -- --compare-env MALLOC_ARENA_MAX=2   (a second Switchboard run with it)
// Flags: --connections 10000 (per gate) --loads 4 --inflight 200 --churn 30000 --churn-inflight 200
//        --settle-ms 10000 --only raw|switchboard --env KEY=VALUE --embedded --no-pin
//        --hold-s S (keep each server S seconds before its connections, once they are signed in,
//        and after the reading, its pid printed: to look at it from outside, e.g. glibc's
//        malloc_info through gdb)
//        --heap-snapshots DIR (each server's heap before and with the connections held, for
//        `npx tsx bench/idle/heap-diff.ts DIR/<server>-before.heapsnapshot DIR/<server>-idle.heapsnapshot N`)
//        --reads 3 (readings at each point, the one of least RSS kept)
//        --read-after-ms 10000 (quiet time before those readings: see settledRead)
//        --mysql mysql://root@127.0.0.1:3306 --redis-url redis://127.0.0.1:6379
//        --compiled: the cluster's services built first (scripts/build-app.mjs) and run from
//        dist/apps with plain node, as deployed, instead of from source through tsx (whose
//        transformed sources and source maps sit in every heap)
// Results go in docs/benchmarks.md, section "Idle memory".
import { mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_MYSQL_SERVER_URI } from '@switchboard/storage';
import { freePort } from '@switchboard/testing';
import { Child } from '../fanout/child.js';
import { readRss } from '../fanout/proc-stats.js';
import { int, ratio, table } from '../fanout/report.js';
import {
  compiledFlag,
  runBenchmark,
  startClusterTarget,
  startEmbeddedTarget,
  type Target,
} from '../groups/target.js';
import type { BareReport } from '../signin/ipc.js';
import { InspectorProbe, inspectorUrlAt, inspectorUrlIn, type MemoryReading } from '../shared/inspector.js';
import { canPin, pinProcess } from '../shared/pin.js';
import type { LoadCommand, LoadReport, OpenSpec } from './ipc.js';
import {
  accountedPerConnection,
  GOALS,
  meetsIdleGoal,
  perConnection,
  secondHalf,
  shares,
  steadyPerConnection,
} from './memory.js';

const { values: args } = parseArgs({
  options: {
    embedded: { type: 'boolean', default: false },
    compiled: { type: 'boolean', default: false },
    connections: { type: 'string', default: '10000' },
    loads: { type: 'string', default: '4' },
    inflight: { type: 'string', default: '200' },
    churn: { type: 'string', default: '30000' },
    'churn-inflight': { type: 'string', default: '200' },
    'settle-ms': { type: 'string', default: '10000' },
    only: { type: 'string', default: '' },
    env: { type: 'string', multiple: true },
    'compare-env': { type: 'string', multiple: true },
    'no-pin': { type: 'boolean', default: false },
    'heap-snapshots': { type: 'string', default: '' },
    'hold-s': { type: 'string', default: '0' },
    reads: { type: 'string', default: '3' },
    'read-after-ms': { type: 'string', default: '10000' },
    mysql: { type: 'string', default: DEFAULT_MYSQL_SERVER_URI },
    'redis-url': { type: 'string', default: 'redis://127.0.0.1:6379' },
  },
});
const N = Number(args.connections);
const LOADS = Number(args.loads);
const CHURN = Number(args.churn);
const SETTLE_MS = Number(args['settle-ms']);
const PIN = canPin(args['no-pin']);
const COMPILED = compiledFlag(args);
if (!['', 'raw', 'switchboard'].includes(args.only)) throw new Error('--only is raw or switchboard');

const keyValues = (list: readonly string[] = []) =>
  Object.fromEntries(
    list.map((kv) => {
      const i = kv.indexOf('=');
      if (i <= 0) throw new Error(`expected KEY=VALUE, got ${kv}`);
      return [kv.slice(0, i), kv.slice(i + 1)];
    }),
  );
const ENV = keyValues(args.env);
const COMPARE_ENV = args['compare-env']?.length ? keyValues(args['compare-env']) : undefined;

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const sleep = (t: number) => new Promise((resolve) => setTimeout(resolve, t));
const log = (line: string) => console.log(`[idle] ${line}`);
const kib = (bytes: number) => (bytes / 1024).toFixed(2);
const mib = (bytes: number, digits = 0) => (bytes / 1024 / 1024).toFixed(digits);
type Load = Child<LoadCommand, LoadReport>;
let liveTarget: Target | undefined;
const problems: string[] = [];

/** Runs `command` on every load process with its share of `total`, with progress; sums the answers. */
async function onLoads(
  loads: Load[],
  what: string,
  total: number,
  inflight: number,
  base: Omit<OpenSpec, 'offset' | 'count' | 'inflight'>,
  t: 'open' | 'churn' = 'open',
  first = 0,
): Promise<{ done: number; failed: number; seconds: number }> {
  const done = loads.map(() => 0);
  const failed = loads.map(() => 0);
  loads.forEach((l, i) => l.on('progress', (p) => ((done[i] = p.done), (failed[i] = p.failed))));
  const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
  const t0 = performance.now();
  const progress = setInterval(
    () => log(`${what}: ${int(sum(done))}/${int(total)}, ${int(sum(failed))} failed`),
    5000,
  );
  const perLoad = Math.max(1, Math.round(inflight / loads.length));
  shares(total, loads.length).forEach((s, i) =>
    loads[i]!.send({ t, spec: { ...base, offset: first + s.offset, count: s.count, inflight: perLoad } }),
  );
  const answers = await Promise.all(
    loads.map((l) => l.next(t === 'open' ? 'opened' : 'churned', 1_800_000)),
  ).finally(() => clearInterval(progress));
  const errors: Record<string, number> = {};
  let [ok, bad] = [0, 0];
  for (const a of answers) {
    ok += a.t === 'opened' ? a.opened : a.done;
    bad += a.failed;
    for (const [k, n] of Object.entries(a.errors)) errors[k] = (errors[k] ?? 0) + n;
  }
  const seconds = (performance.now() - t0) / 1000;
  log(`${what}: ${int(ok)} in ${seconds.toFixed(1)} s, ${int(bad)} failed ${JSON.stringify(errors)}`);
  if (bad > 0) problems.push(`${what}: ${bad} of ${total} failed ${JSON.stringify(errors)}`);
  return { done: ok, failed: bad, seconds };
}

async function closeAll(loads: Load[], what: string): Promise<void> {
  loads.forEach((l) => l.send({ t: 'close' }));
  const closed = await Promise.all(loads.map((l) => l.next('closed', 60_000)));
  const early = closed.reduce((n, c) => n + c.closedEarly, 0);
  if (early > 0) problems.push(`${what}: ${early} connections closed by the server`);
}

/**
 * The reading of least RSS out of --reads readings, each after its own full GCs, taken once the
 * process has been quiet for --read-after-ms. A process that stops allocating gives pages back some
 * seconds later (V8's memory reducer waits about 8 s), and on a loaded box its background threads
 * lag: read sooner, a gate's RSS fell by 10 MiB from its second reading to its third, a raw server's
 * by 5 MiB. Idle, RSS between readings only falls, hence the least.
 */
async function settledRead(probe: InspectorProbe, what: string): Promise<MemoryReading> {
  await sleep(Number(args['read-after-ms']));
  const readings: MemoryReading[] = [];
  for (let i = 0; i < Math.max(1, Number(args.reads)); i++) readings.push(await probe.read());
  const least = readings.reduce((a, b) => (b.rss < a.rss ? b : a));
  log(`${what}: RSS ${readings.map((r) => mib(r.rss, 1)).join(', ')} MiB in ${readings.length} readings`);
  return least;
}

/**
 * Opens `N` connections in two halves with a reading after each (what the goals are judged on is
 * the second half: see steadyPerConnection), user and source address by index across both.
 */
async function openInHalves(
  loads: Load[],
  what: string,
  base: Omit<OpenSpec, 'offset' | 'count' | 'inflight'>,
  probe: InspectorProbe,
): Promise<{ opened: number; mid: MemoryReading; second: number }> {
  const half = secondHalf(N);
  const inflight = Number(args.inflight);
  const a = await onLoads(loads, `${what}, first half`, half.first, inflight, base);
  await sleep(1000);
  const mid = await settledRead(probe, `${what}, half held`);
  const b = await onLoads(loads, `${what}, second half`, half.second, inflight, base, 'open', half.first);
  return { opened: a.done + b.done, mid, second: b.done };
}

/** RSS, V8 heap used and V8 heap committed per connection (committed minus used: heap fragmentation). */
function perConnectionLine(
  before: MemoryReading,
  idle: MemoryReading,
  connections: number,
  mid: MemoryReading,
  second: number,
): string {
  const per = perConnection(before, idle, connections);
  const steady = steadyPerConnection(mid, idle, second);
  const committed = ((idle.committed ?? 0) - (before.committed ?? 0)) / connections;
  const grew = (f: (m: MemoryReading) => number | undefined) =>
    kib(((f(idle) ?? 0) - (f(before) ?? 0)) / connections);
  const mapped = Object.keys(idle.mappings ?? {})
    .map((k) => `${k} ${grew((m) => m.mappings?.[k])}`)
    .join(', ');
  return (
    `second half, young generation left out: ${kib(steady.rss)} KiB RSS, ${kib(steady.heap)} KiB heap, ` +
    `${kib(((idle.committed ?? 0) - (mid.committed ?? 0)) / second)} KiB heap committed per connection ` +
    `(young generation ${kib(mid.young ?? 0)} -> ${kib(idle.young ?? 0)} KiB; by mapping: ` +
    `${Object.keys(idle.mappings ?? {})
      .map((k) => `${k} ${kib(((idle.mappings?.[k] ?? 0) - (mid.mappings?.[k] ?? 0)) / second)}`)
      .join(', ')}); whole: ` +
    `${kib(per.rss)} KiB RSS, ${kib(per.heap)} KiB heap used, ${kib(committed)} KiB heap committed, ` +
    `${grew((m) => m.external)} external (${grew((m) => m.arrayBuffers)} array buffers; ` +
    `${kib((idle.uncollectedArrayBuffers ?? 0) / connections)} before the GC) per connection; ` +
    `resident by mapping, KiB per connection: ${mapped}`
  );
}

/** With --hold-s, keeps `server` holding its connections that long (to look at it from outside). */
async function hold(server: string, pid: number, when = 'holds its connections'): Promise<void> {
  const seconds = Number(args['hold-s']);
  if (seconds <= 0) return;
  log(`${server} (pid ${pid}) ${when} for ${seconds} s`);
  await sleep(seconds * 1000);
}

/** With --heap-snapshots, writes `probe`'s heap as DIR/<server>-<when>.heapsnapshot. */
async function snapshot(probe: InspectorProbe, server: string, when: 'before' | 'idle'): Promise<void> {
  const dir = args['heap-snapshots'];
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${server.replace(/[^a-z0-9]+/gi, '-')}-${when}.heapsnapshot`);
  await probe.snapshot(file);
  log(`heap snapshot: ${file}`);
}

/** Opens the inspector of `pid` (run with --inspect-port=port) and a probe on it. */
async function probeAt(pid: number, port: number): Promise<InspectorProbe> {
  process.kill(pid, 'SIGUSR1');
  for (let attempt = 0; ; attempt++) {
    try {
      return await InspectorProbe.open(pid, await inspectorUrlAt(port));
    } catch (err) {
      if (attempt >= 50) throw err;
      await sleep(200);
    }
  }
}

/** One server's figures: its reading before and after taking `connections`. */
interface Held {
  server: string;
  transport: 'ws' | 'tcp';
  connections: number;
  before: MemoryReading;
  /** With the first half of the connections held. */
  mid: MemoryReading;
  /** Connections opened after `mid`. */
  second: number;
  idle: MemoryReading;
  /** After the churn settled (gates only). */
  churned?: MemoryReading;
  churnRate?: number;
}

async function raw(loads: Load[], transport: 'ws' | 'tcp'): Promise<Held> {
  const port = await freePort();
  const server = Child.start<{ t: 'stop' }, BareReport>(
    `raw ${transport}`,
    here('../signin/bare-server.ts'),
    [],
    { cpu: PIN ? '0' : undefined, nodeArgs: [`--inspect-port=${port}`] },
  );
  try {
    const r = await server.next('ready', 60_000);
    const probe = await probeAt(server.pid, port);
    const before = await probe.read();
    const name = transport === 'ws' ? 'raw ws' : 'raw net';
    await hold(name, server.pid, 'waits, no connections yet,');
    await snapshot(probe, name, 'before');
    const url = transport === 'ws' ? `ws://127.0.0.1:${r.wsPort}/` : `tcp://127.0.0.1:${r.tcpPort}`;
    const opened = await openInHalves(
      loads,
      `${name}: connections`,
      { kind: 'raw', url, prefix: '', appId: '', secret: '' },
      probe,
    );
    await sleep(1000);
    const idle = await settledRead(probe, `${name}, all held`);
    log(`${name}: ${perConnectionLine(before, idle, opened.opened, opened.mid, opened.second)}`);
    await hold(name, server.pid);
    await snapshot(probe, name, 'idle');
    probe.close();
    await closeAll(loads, name);
    return {
      server: name,
      transport,
      connections: opened.opened,
      before,
      mid: opened.mid,
      second: opened.second,
      idle,
    };
  } finally {
    server.proc.kill('SIGTERM');
    await server.exited;
  }
}

/** Starts Switchboard with `env` and a probe on each gate process (one for the embedded suite). */
async function startGates(env: Record<string, string>): Promise<{
  target: Target;
  gates: Array<{ name: string; transport: 'ws' | 'tcp'; url: string; probe: InspectorProbe }>;
}> {
  if (args.embedded) {
    const port = await freePort();
    const target = await startEmbeddedTarget({ nodeArgs: [`--inspect-port=${port}`], env });
    const pid = target.processes[0]!.pid;
    if (PIN) pinProcess(pid, '0');
    const probe = await probeAt(pid, port);
    const [ws, tcp] = target.gateUrls;
    return {
      target,
      gates: [
        { name: 'embedded suite: WS gate', transport: 'ws', url: ws!, probe },
        { name: 'embedded suite: TCP gate', transport: 'tcp', url: tcp!, probe },
      ],
    };
  }
  const opened = new Map<string, (url: string) => void>();
  const target = await startClusterTarget({
    ws: 1,
    tcp: 1,
    mysqlServer: args.mysql,
    redisUrl: args['redis-url'],
    env: { NODE_OPTIONS: '--inspect-port=0', ...env },
    compiled: COMPILED,
    onLine: (service, line) => {
      const url = inspectorUrlIn(line);
      if (url) opened.get(service)?.(url);
    },
  });
  if (PIN) for (const p of target.processes) if (!p.store) pinProcess(p.pid, '0');
  const gates = [];
  for (const [name, transport, url] of [
    ['ws-1', 'ws', target.gateUrls[0]!],
    ['tcp-1', 'tcp', target.gateUrls[1]!],
  ] as const) {
    const pid = target.processes.find((p) => p.name === name)!.pid;
    const inspector = new Promise<string>((resolve) => opened.set(name, resolve));
    process.kill(pid, 'SIGUSR1');
    const probe = await InspectorProbe.open(pid, await inspector);
    gates.push({ name: name === 'ws-1' ? 'ws-conn' : 'tcp-conn', transport, url, probe });
  }
  return { target, gates };
}

interface Variant {
  label: string;
  held: Held[];
  /** RSS of every serving process at the start, idle and after the churn (cluster: logic, route). */
  rss: Array<{ name: string; start: number; idle: number; churned: number }>;
}

async function switchboard(loads: Load[], label: string, env: Record<string, string>): Promise<Variant> {
  log(`${label}: starting ${args.embedded ? 'the embedded suite' : 'the local cluster'} ...`);
  const { target, gates } = await startGates(env);
  liveTarget = target;
  try {
    log(target.description);
    const ours = target.processes.filter((p) => !p.store);
    const start = new Map(ours.map((p) => [p.name, readRss(p.pid)]));
    const held: Held[] = [];
    for (const gate of gates) {
      await hold(gate.name, gate.probe.pid, 'waits, no connections yet,');
      const before = await gate.probe.read();
      await snapshot(gate.probe, `${label}-${gate.name}`, 'before');
      const opened = await openInHalves(
        loads,
        `${label}, ${gate.name}: sign-ins`,
        {
          kind: 'switchboard',
          url: gate.url,
          prefix: gate.transport === 'ws' ? 'w' : 't',
          appId: target.appId,
          secret: target.secret,
        },
        gate.probe,
      );
      await sleep(1000);
      await hold(gate.name, gate.probe.pid, 'settled, not yet collected,');
      const idle = await settledRead(gate.probe, `${gate.name}, all held`);
      await snapshot(gate.probe, `${label}-${gate.name}`, 'idle');
      held.push({
        server: `${label}: ${gate.name}`,
        transport: gate.transport,
        connections: opened.opened,
        before,
        mid: opened.mid,
        second: opened.second,
        idle,
      });
      log(`${gate.name}: ${perConnectionLine(before, idle, opened.opened, opened.mid, opened.second)}`);
      await hold(gate.name, gate.probe.pid);
    }
    const idleRss = new Map(ours.map((p) => [p.name, readRss(p.pid)]));
    const churn = await onLoads(
      loads,
      `${label}: churn`,
      CHURN,
      Number(args['churn-inflight']),
      {
        kind: 'switchboard',
        url: gates.map((g) => g.url).join(' '),
        prefix: 'c',
        appId: target.appId,
        secret: target.secret,
      },
      'churn',
    );
    log(
      `${label}: churn done (${int(churn.done / churn.seconds)} sign-ins/s); settling ${SETTLE_MS / 1000} s`,
    );
    await sleep(SETTLE_MS);
    for (const [i, gate] of gates.entries()) {
      held[i]!.churned = await gate.probe.read();
      held[i]!.churnRate = churn.done / churn.seconds;
    }
    const rss = ours.map((p) => ({
      name: p.name,
      start: start.get(p.name)!,
      idle: idleRss.get(p.name)!,
      churned: readRss(p.pid),
    }));
    for (const g of gates) g.probe.close();
    await closeAll(loads, label);
    for (const w of target.warnings) log(`service warning: ${w}`);
    return { label, held, rss };
  } finally {
    liveTarget = undefined;
    await target.stop();
  }
}

function idleTable(rawHeld: readonly Held[], variants: readonly Variant[]): string {
  const rawOf = (t: 'ws' | 'tcp') => rawHeld.find((h) => h.transport === t);
  const steady = (h: Held) => steadyPerConnection(h.mid, h.idle, h.second);
  const rows = [...rawHeld, ...variants.flatMap((v) => v.held)].map((h) => {
    const whole = perConnection(h.before, h.idle, h.connections);
    const per = steady(h);
    const base = rawOf(h.transport);
    const basePer = base && !rawHeld.includes(h) ? steady(base) : undefined;
    const baseWhole = base ? perConnection(base.before, base.idle, base.connections) : undefined;
    const bound = h.transport === 'ws' ? GOALS.wsRss : GOALS.tcpRss;
    return [
      h.server,
      int(h.connections),
      mib(h.idle.rss),
      kib(per.rss),
      kib(per.heap),
      basePer ? ratio(per.rss / basePer.rss) : '',
      basePer ? `${per.heap - basePer.heap >= 0 ? '+' : ''}${kib(per.heap - basePer.heap)}` : '',
      basePer ? `${meetsIdleGoal(per, basePer, bound) ? 'met' : 'not met'} (<= ${bound}x, +0.5 KiB)` : '',
      kib(accountedPerConnection(h.mid, h.idle, h.second)),
      base && basePer
        ? ratio(
            accountedPerConnection(h.mid, h.idle, h.second) /
              accountedPerConnection(base.mid, base.idle, base.second),
          )
        : '',
      `${kib(whole.rss)} / ${kib(whole.heap)}`,
      basePer && baseWhole ? ratio(whole.rss / baseWhole.rss) : '',
    ];
  });
  return table(
    [
      'server',
      'connections',
      'RSS (MiB)',
      'RSS/conn (KiB)',
      'heap/conn (KiB)',
      'RSS vs raw',
      'heap - raw (KiB)',
      'goal',
      'heap committed + brk per conn (KiB)',
      'vs raw',
      'whole run: RSS / heap per conn (KiB)',
      'whole run: RSS vs raw',
    ],
    rows,
  );
}

function churnTable(variants: readonly Variant[]): string {
  const rows = variants.flatMap((v) => [
    ...v.held.map((h) => [
      h.server,
      mib(h.idle.rss),
      mib(h.churned!.rss),
      ratio(h.churned!.rss / h.idle.rss),
      `${mib(h.idle.heap)} -> ${mib(h.churned!.heap)}`,
      `${h.churned!.rss <= GOALS.churn * h.idle.rss ? 'met' : 'not met'} (<= ${GOALS.churn}x)`,
    ]),
    ...v.rss
      .filter((p) => !/^(ws|tcp)-/.test(p.name) && p.name !== 'suite')
      .map((p) => [`${v.label}: ${p.name}`, mib(p.idle), mib(p.churned), ratio(p.churned / p.idle), '', '']),
  ]);
  return table(
    [
      'process',
      'RSS idle (MiB)',
      'RSS after churn (MiB)',
      'after / idle',
      'heap idle -> after (MiB)',
      'goal',
    ],
    rows,
  );
}

async function main(): Promise<number> {
  const started = Date.now();
  const load0 = loadavg();
  log(
    `${int(N)} connections per server, ${LOADS} load processes, churn ${int(CHURN)} sign-ins; ` +
      (PIN ? 'servers on CPU 0, load on CPU 1' : 'not pinned'),
  );
  const loads: Load[] = Array.from({ length: LOADS }, (_, i) =>
    Child.start(`load ${i}`, here('./load.ts'), [], { cpu: PIN ? '1' : undefined }),
  );
  const rawHeld: Held[] = [];
  const variants: Variant[] = [];
  try {
    if (args.only !== 'switchboard') {
      rawHeld.push(await raw(loads, 'ws'));
      rawHeld.push(await raw(loads, 'tcp'));
    }
    if (args.only !== 'raw') {
      const envLabel = (env: Record<string, string>) =>
        Object.keys(env).length
          ? Object.entries(env)
              .map(([k, v]) => `${k}=${v}`)
              .join(' ')
          : 'as configured';
      variants.push(await switchboard(loads, envLabel(ENV), ENV));
      if (COMPARE_ENV)
        variants.push(
          await switchboard(loads, envLabel({ ...ENV, ...COMPARE_ENV }), { ...ENV, ...COMPARE_ENV }),
        );
    }
  } finally {
    await Promise.all(loads.map((l) => l.stop({ t: 'stop' }, 5000)));
  }
  const cpu = cpus();
  console.log(
    `\n## Idle memory: ${args.embedded ? 'embedded suite' : `local cluster gates${COMPILED ? ', compiled' : ''}`}\n\n` +
      `${new Date().toISOString().slice(0, 16)}Z, Node ${process.version}, ${cpu.length} x ${cpu[0]?.model ?? '?'}, ` +
      `${PIN ? 'servers on CPU 0, load on CPU 1' : 'not pinned'}; load average ${load0[0]!.toFixed(2)} -> ` +
      `${loadavg()[0]!.toFixed(2)}; ${((Date.now() - started) / 1000).toFixed(0)} s. ${int(N)} connections per server ` +
      `from ${LOADS} load processes over 250 source addresses; memory read after a full GC (inspector). ` +
      `Per connection: the growth from half the connections held to all of them, RSS without V8's ` +
      `young generation; "heap committed + brk": V8's committed heap and glibc's main arena over the ` +
      `same half; "whole run": from none to all, RSS as read.\n`,
  );
  console.log(idleTable(rawHeld, variants));
  if (variants.length) {
    console.log(
      `\nAfter a churn of ${int(CHURN)} sign-ins (the idle connections held), settled ${SETTLE_MS / 1000} s:\n`,
    );
    console.log(churnTable(variants));
  }
  if (problems.length) {
    console.error(`\nFAILED:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    return 1;
  }
  console.log('\nOK: every connection opened, signed in and stayed open.');
  return 0;
}

await runBenchmark(main, () => liveTarget);
