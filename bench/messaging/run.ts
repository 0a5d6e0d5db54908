// Persisted messaging (issue 9): open-loop 1:1 sends among N users signed in over a TCP and a WS
// gate (random pairs), then small-group sends, at stepped offered rates, against the local cluster
// (1 logic, 1 route, scratch MariaDB database and Redis prefix, removed at the end) or the embedded
// suite (--embedded). The group steps send to --groups disjoint groups in turn (50 by default: what
// many small groups at the same total rate look like); --groups 1 is the hot-group case, every
// send waiting on the transaction before it for the same counter rows. Per step: acked/s, p50/p99 ack and push latency, errors by code, pushes
// missing, doubled and out of order, CPU per process (services pinned to CPU 0, load to CPU 1; the
// load process's too) and how busy each CPU was (both near 100%: the machine sets the pace), and
// the KiB each process wrote per acked send (to files and sockets, and how much reached the disk:
// SQLite's page-sized log frames against MariaDB's redo log).
// The best clean rate is the highest offered rate whose sends were all acked with p99 < 100 ms and
// all pushed to their receivers' connections. In the same run, the raw-database reference:
// plain mysql2 writing the same rows in 256-message transactions on one connection
// (raw-database.ts), for 1:1 sends and for sends to groups of the same size (deliveries/s = msg/s x
// (members - 1)); the ratios of the two are the figures issue 9 sets at >= 0.5x.
// A lost or doubled message makes the run exit non-zero (pushes out of order are counted).
// Run: npm run bench:messaging                (about 5 minutes; MariaDB and Redis on this machine)
//      npm run bench:messaging -- --embedded
//      npm run bench:messaging -- --compiled   (the services as deployed: built first with
//                                                 scripts/build-app.mjs, then run from dist/apps with
//                                                 plain node, not through tsx: the same per message,
//                                                 4-5 MiB less heap and 30-40 MiB less RSS each)
// Flags: --users 2000 --signin-concurrency 20 --rates 250,500,1000,1500,2000,3000,4000,5000 --step-ms 10000 --warmup-ms 5000
//        --group-members 20 --group-rates 100,200,400,800,1600,2400,3200,4000 --group-step-ms 10000 --raw-ms 10000
//        --raw-batch 256 --timeout-ms 6000 --settle-ms 5000 --p99-ms 100 --bytes 100
//        --groups 50 --raw-groups (default: --groups) --no-groups --no-raw --no-raw-groups --no-pin --mysql mysql://root@127.0.0.1:3306
//        --redis-url redis://127.0.0.1:6379
//        (--warmup-ms: an unreported phase at the first rate before the 1:1 steps, and before the group steps)
//        --contacts N: each user sends 1:1 only to N fixed contacts (users x N conversations, which
//        repeat as in a chat app; the raw reference the same), instead of to anyone (2,000 users:
//        nearly every send starts a new conversation, the costliest case for SQLite's page log)
//        --service-node-args='--single-threaded-gc --max-semi-space-size=32': Node and V8 options of
//        the services alone (the load processes keep theirs); local cluster only
//        --innodb-set innodb_buffer_pool_size=2G,innodb_log_file_size=2G,innodb_io_capacity=2000: SET
//        GLOBAL on the MySQL server for the run (the raw references' too), the previous values set
//        back at the end (printed at the start, to set by hand after a Ctrl-C); innodb_* only. Every
//        step prints how full InnoDB's redo log got and the pages it flushed per acked send
//        (innodb.ts): a stock MariaDB must flush after about half a minute of thousands of sends a second
//        --stores-on-service-core: MariaDB and Redis on CPU 0 with the services for the suite's steps
//        (their affinity put back after, before the raw references; printed, to do by hand after a
//        Ctrl-C): the whole cluster on one core, as the embedded suite runs on one
//        --gc-pauses: the services run with --trace-gc-nvp, and each step prints their collections'
//        pauses of 5 ms or more (count, total, longest) and the bytes each allocated per acked send
//        (bench/shared/gc-pauses.ts)
//        --cpu-prof DIR [--cpu-prof-rate 1000]: a V8 CPU profile of every serving process over the 1:1
//        step at that offered rate only, written to DIR/<service>-<pid>.cpuprofile
//        (signin/cpu-profile.mjs); summarise with `npx tsx bench/signin/profile-summary.ts DIR`.
//        --cpu-prof-group-rate 100: profile the group step at that offered rate; with --cpu-prof-rate 0
//        alone (the files are named by pid, so a profiled 1:1 step's would be overwritten).
//        --alloc-prof DIR [--alloc-prof-rate 2000]: instead of CPU, an allocation profile of every
//        serving process over the 1:1 step at that rate (V8's sampling heap profiler, objects already
//        collected included), DIR/<service>-<pid>.heapprofile and the step's acked count in
//        DIR/messages.json; summarise per message with `npx tsx bench/shared/alloc-summary.ts DIR`.
//        --alloc-prof-promoted: only what survived young collections (what makes full collections).
//        --stalls DIR: every process notes its garbage collections of 4 ms or more and its event loop
//        held up 10 ms or more (shared/stall-probe.mjs, DIR/<process>-<pid>.jsonl), and each 1:1 step
//        prints its 100 ms windows with a send acked past --p99-ms, each with the stalls of 10 ms or
//        more while those sends were in flight, and a tally by process (shared/stalls.ts);
//        --slow-ms N: count acks past N ms as slow instead.
// Results go in docs/benchmarks.md, section "Persisted messaging".
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_MYSQL_SERVER_URI } from '@switchboard/storage';
import { Child } from '../fanout/child.js';
import { cpuBusySeconds } from '../fanout/proc-stats.js';
import { int, ms, ratio, table } from '../fanout/report.js';
import { createGroup } from '../groups/business-api.js';
import type { SmallLoadCommand, SmallLoadOptions, SmallLoadReport, SmallPhaseResult } from '../groups/ipc.js';
import { GroupLayout } from '../groups/group-layout.js';
import { checkCell } from '../groups/small-report.js';
import {
  compiledFlag,
  describeCpu,
  describeWritten,
  runBenchmark,
  servingCpuSeconds,
  servingWrittenBytes,
  startClusterTarget,
  startEmbeddedTarget,
  type Target,
} from '../groups/target.js';
import type { LoadCommand, LoadOptions, LoadReport, PhaseResult, PushCheck } from '../overload/ipc.js';
import { openBenchDatabase, type BenchDatabase } from '../send/bench-database.js';
import { Workload } from '../send/workload.js';
import { profileChildAllocations, writeProfiledMessages } from '../shared/alloc-prof.js';
import { profileChildProcesses, toggleCpuProfilers } from '../shared/cpu-prof.js';
import { describeGcPauses, GcPauses } from '../shared/gc-pauses.js';
import { canPin, pinForAWhile, pinProcess } from '../shared/pin.js';
import { attributeSlowWindows, probeChildStalls, readStalls, type SlowWindow } from '../shared/stalls.js';
import {
  GroupWorkload,
  runRawReference,
  serverMsPerMessage,
  writeDirectBatch,
  writeGroupBatch,
  type RawReferenceResult,
  type ReferenceWatch,
} from './raw-database.js';
import { describeServiceCounts, readServiceCounts } from './service-counters.js';
import {
  describeInnodbStep,
  describeSizing,
  innodbCell,
  InnodbWatch,
  parseInnodbSettings,
  type InnodbStep,
} from './innodb.js';
import { bestClean, directFaults, groupFaults, saturated, untilSent } from './steps.js';

const { values: args } = parseArgs({
  options: {
    embedded: { type: 'boolean', default: false },
    compiled: { type: 'boolean', default: false },
    users: { type: 'string', default: '2000' },
    'signin-concurrency': { type: 'string', default: '20' },
    rates: { type: 'string', default: '250,500,1000,1500,2000,3000,4000,5000' },
    'step-ms': { type: 'string', default: '10000' },
    'warmup-ms': { type: 'string', default: '5000' },
    'group-members': { type: 'string', default: '20' },
    groups: { type: 'string', default: '50' },
    'group-rates': { type: 'string', default: '100,200,400,800,1600,2400,3200,4000' },
    'group-step-ms': { type: 'string', default: '10000' },
    'raw-ms': { type: 'string', default: '10000' },
    'raw-batch': { type: 'string', default: '256' },
    'timeout-ms': { type: 'string', default: '6000' },
    'settle-ms': { type: 'string', default: '5000' },
    'p99-ms': { type: 'string', default: '100' },
    contacts: { type: 'string', default: '0' },
    bytes: { type: 'string', default: '100' },
    'no-groups': { type: 'boolean', default: false },
    'no-raw': { type: 'boolean', default: false },
    'no-raw-groups': { type: 'boolean', default: false },
    'raw-groups': { type: 'string', default: '' },
    'no-pin': { type: 'boolean', default: false },
    'stores-on-service-core': { type: 'boolean', default: false },
    'gc-pauses': { type: 'boolean', default: false },
    'service-node-args': { type: 'string', default: '' },
    'innodb-set': { type: 'string', default: '' },
    mysql: { type: 'string', default: DEFAULT_MYSQL_SERVER_URI },
    'redis-url': { type: 'string', default: 'redis://127.0.0.1:6379' },
    'cpu-prof': { type: 'string', default: '' },
    'cpu-prof-rate': { type: 'string', default: '1000' },
    'cpu-prof-group-rate': { type: 'string', default: '' },
    'alloc-prof': { type: 'string', default: '' },
    'alloc-prof-rate': { type: 'string', default: '2000' },
    'alloc-prof-promoted': { type: 'boolean', default: false },
    stalls: { type: 'string', default: '' },
    'slow-ms': { type: 'string', default: '' },
  },
});
if (args['cpu-prof'] && args['alloc-prof']) throw new Error('--cpu-prof and --alloc-prof: one at a time');
// Inherited by every process started from here on (the services, the embedded suite).
if (args['cpu-prof']) profileChildProcesses(args['cpu-prof']);
if (args['alloc-prof']) profileChildAllocations(args['alloc-prof'], args['alloc-prof-promoted']);
if (args.stalls) probeChildStalls(args.stalls);
const PROFILE_DIR = args['cpu-prof'] || args['alloc-prof'];
const PROFILED_RATE = args['cpu-prof']
  ? Number(args['cpu-prof-rate'])
  : args['alloc-prof']
    ? Number(args['alloc-prof-rate'])
    : undefined;
const PROFILED_GROUP_RATE =
  args['cpu-prof'] && args['cpu-prof-group-rate'] ? Number(args['cpu-prof-group-rate']) : undefined;
const USERS = Number(args.users);
const RATES = args.rates.split(',').map(Number);
const GROUP_RATES = args['group-rates'].split(',').map(Number);
const STEP_MS = Number(args['step-ms']);
const GROUP_STEP_MS = Number(args['group-step-ms']);
const TIMEOUT_MS = Number(args['timeout-ms']);
const SETTLE_MS = Number(args['settle-ms']);
const P99_MS = Number(args['p99-ms']);
const CONTACTS = Number(args.contacts);
const MEMBERS = Number(args['group-members']);
const GROUPS = Number(args.groups);
const PIN = canPin(args['no-pin']);
// MariaDB and Redis on the services' core too, for the whole cluster on one core against the
// embedded suite, which does its store's work on its own core.
const STORES_ON_SERVICE_CORE = args['stores-on-service-core'];
if (STORES_ON_SERVICE_CORE && (args.embedded || !PIN))
  throw new Error('--stores-on-service-core is for the local cluster, pinned');
const COMPILED = compiledFlag(args);
const GC = args['gc-pauses'] ? new GcPauses() : undefined;
const SERVICE_NODE_ARGS = args['service-node-args'].split(/\s+/).filter((a) => a !== '');
if (SERVICE_NODE_ARGS.length > 0 && args.embedded)
  throw new Error('--service-node-args is for the local cluster');
const INNODB_SETTINGS = parseInnodbSettings(args['innodb-set']);
if (INNODB_SETTINGS.size > 0 && args.embedded)
  throw new Error('--innodb-set is for the local cluster (MySQL)');
const RAW_MS = Number(args['raw-ms']);
const RAW_BATCH = Number(args['raw-batch']);
const RAW_GROUPS = Number(args['raw-groups'] || args.groups);
const GAP_MS = 2000;
/** With --stalls: an ack slower than this makes its window slow (default: the p99 bound). */
const SLOW_MS = Number(args['slow-ms'] || args['p99-ms']);
// Each member sends rate / (GROUPS x MEMBERS) packets a second at a group step: the gates' per-connection flood
// limit (gate.rateLimit, 50/s by default) would close the members past 1,000 group sends/s, so it is
// raised to twice the top step's need (with the acks and syncs a client also sends).
const PACKET_LIMIT = Math.max(50, Math.ceil((2 * Math.max(...GROUP_RATES)) / (GROUPS * MEMBERS)));
const GATE_ENV = {
  SWITCHBOARD_GATE__RATE_LIMIT__PACKETS_PER_SECOND: String(PACKET_LIMIT),
  SWITCHBOARD_GATE__RATE_LIMIT__BURST: String(2 * PACKET_LIMIT),
};

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const sleep = (t: number) => new Promise((resolve) => setTimeout(resolve, t));
const log = (line: string) => console.log(`[messaging] ${line}`);
let liveTarget: Target | undefined;
/** InnoDB's state around each step (the local cluster and the raw references: MySQL only). */
let innodb: InnodbWatch | undefined;
const liveDatabases = new Set<BenchDatabase>();

/**
 * One step against Switchboard: what the load saw, the cores each serving process and the load
 * process used, and how busy each CPU was (near 100% on both, the machine, not the services, sets
 * the pace: the group steps' receivers cost the load core a lot).
 */
interface Step<R> {
  result: R;
  cores: Map<string, number>;
  /** Busy share of each CPU over the step (0–1), by CPU number; empty without /proc/stat. */
  cpuBusy: number[];
  /** What the MySQL server's InnoDB did over the step (the embedded suite: undefined). */
  innodb?: InnodbStep;
  check?: PushCheck;
}

/**
 * Runs a phase and reads the serving processes', the load process's and the CPUs' time around it:
 * until the phase calls `sent`, or else until it resolves. (The group load settles and checks before
 * answering its phase; counted in, those idle seconds made every process's cores and the CPUs' busy
 * share look a quarter lower.)
 */
async function measured<R>(
  target: Target,
  loadPid: number,
  run: (sent: () => void) => Promise<R>,
): Promise<Step<R>> {
  const metricsUrls = target.processes.map((p) => p.metricsUrl);
  const counts0 = await readServiceCounts(metricsUrls);
  const measuredProcesses = [...target.processes, { name: 'load', pid: loadPid, store: false }];
  GC?.take();
  await innodb?.start();
  const before = servingCpuSeconds(measuredProcesses).each;
  const busy0 = cpuBusySeconds() ?? [];
  const written0 = servingWrittenBytes(target.processes);
  const t0 = performance.now();
  const phase = untilSent(run);
  await phase.ended;
  const seconds = (performance.now() - t0) / 1000;
  // Read with the clock, before InnoDB's queries: the processes' CPU over the phase alone.
  const after = servingCpuSeconds(measuredProcesses).each;
  const busy1 = cpuBusySeconds() ?? [];
  const written1 = servingWrittenBytes(target.processes);
  const innodbStep = await innodb?.stop();
  const result = await phase.result;
  const cores = new Map([...after].map(([name, s]) => [name, (s - (before.get(name) ?? 0)) / seconds]));
  const cpuBusy = busy1.map((b, i) => Math.min(1, (b - (busy0[i] ?? b)) / seconds));
  log(`  cores: ${describeCpu(before, after, seconds)}; CPUs busy: ${busyCell(cpuBusy)}`);
  // Per acked send (a group send's pushes included in its own).
  const acked = (result as { acked?: number }).acked;
  if (acked) log(`  KiB written per acked send: ${describeWritten(written0, written1, acked)}`);
  if (GC) log(`  GC pauses: ${describeGcPauses(GC.take(), acked)}`);
  if (innodbStep) log(`  ${describeInnodbStep(innodbStep, acked ?? 0)}`);
  const counts1 = counts0 && (await readServiceCounts(metricsUrls));
  if (counts0 && counts1) log(`  ${describeServiceCounts(counts0, counts1)}`);
  return { result, cores, cpuBusy, ...(innodbStep ? { innodb: innodbStep } : {}) };
}

const busyCell = (busy: readonly number[]) =>
  busy.map((b, i) => `CPU ${i} ${Math.round(b * 100)}%`).join(', ') || '?';

const errorsCell = (errors: Record<string, number>, timedOut: number, closed = 0) =>
  [
    ...Object.entries(errors).map(([code, n]) => `${n} ${code}`),
    ...(timedOut ? [`${timedOut} timed out`] : []),
    ...(closed ? [`${closed} closed`] : []),
  ].join(', ') || '0';

async function directSteps(target: Target): Promise<{ steps: Step<PhaseResult>[]; problems: string[] }> {
  const options: LoadOptions = {
    urls: [...target.gateUrls],
    appId: target.appId,
    secret: target.secret,
    users: USERS,
    concurrency: Number(args['signin-concurrency']),
    bodyBytes: Number(args.bytes),
    seed: 7,
    contacts: CONTACTS,
  };
  const load = Child.start<LoadCommand, LoadReport>(
    'load',
    here('../overload/load.ts'),
    [JSON.stringify(options)],
    { cpu: PIN ? '1' : undefined },
  );
  load.on('progress', (p) => log(p.line));
  try {
    const c = await load.next('connected', 600_000);
    log(
      `${c.connected}/${USERS} users signed in over ${target.gateUrls.join(' and ')} in ${(c.ms / 1000).toFixed(1)} s`,
    );
    // Users who could not sign in (a busy machine times sign-ins out) neither send nor are checked.
    if (c.failed > 0) log(`WARNING: ${c.failed} users failed to sign in (three tries each)`);
    if (c.connected < 2) throw new Error('fewer than two users signed in');
    const phase = async (label: string, rate: number, durationMs: number) => {
      load.send({
        t: 'phase',
        spec: { label, rate, durationMs, timeoutMs: TIMEOUT_MS, ...(args.stalls ? { slowMs: SLOW_MS } : {}) },
      });
      return (await load.next('phase', durationMs + TIMEOUT_MS + 120_000)).result;
    };
    log(`warm-up: ${RATES[0]}/s for ${Number(args['warmup-ms']) / 1000} s`);
    await phase('warm-up', RATES[0]!, Number(args['warmup-ms']));
    await sleep(GAP_MS);
    const steps: Step<PhaseResult>[] = [];
    for (const rate of RATES) {
      log(`1:1 at ${int(rate)}/s offered for ${STEP_MS / 1000} s ...`);
      const profiled = rate === PROFILED_RATE;
      if (profiled) toggleProfilers(target);
      const step = await measured(target, load.pid, () => phase(`${rate}/s`, rate, STEP_MS));
      const r = step.result;
      if (profiled) {
        toggleProfilers(target);
        if (args['alloc-prof']) writeProfiledMessages(args['alloc-prof'], r.acked, `1:1 at ${rate}/s`);
        log(`  profiles of this step written to ${PROFILE_DIR}`);
      }
      log(
        `  ${int(r.acked / (r.elapsedMs / 1000))} acked/s, ${r.acked}/${r.sent} acked, p50 ${ms(r.p50Ms)} / ` +
          `p99 ${ms(r.p99Ms)} ms; errors ${errorsCell(r.rejected, r.timedOut, r.closed)}`,
      );
      if (args.stalls) describeStalls(args.stalls, r.slowWindows ?? []);
      steps.push(step);
      await sleep(GAP_MS);
      if (saturated(r.acked, r.sent)) {
        log(`  saturated (less than 90% acked): no higher step`);
        break;
      }
    }
    log(`settling ${SETTLE_MS / 1000} s, then matching every acked message with its push ...`);
    load.send({ t: 'check', settleMs: SETTLE_MS });
    const check = await load.next('check', SETTLE_MS + 120_000);
    // The check's first phase is the warm-up.
    steps.forEach((s, i) => (s.check = check.phases[i + 1]));
    const missing = check.phases.reduce((n, p) => n + p.missing, 0);
    log(
      `check: ${missing} missing, ${check.doubled} doubled, ${check.outOfOrder} out of inbox order, ` +
        `${check.syncHints} SYNC_HINTs, ${check.disconnected} receivers disconnected, ` +
        `${check.pushedUnacked} pushes of unacked sends`,
    );
    const problems = [
      ...(missing ? [`1:1: ${missing} acknowledged messages never reached their online receiver`] : []),
      ...(check.doubled ? [`1:1: ${check.doubled} messages pushed twice`] : []),
      ...(check.disconnected ? [`1:1: ${check.disconnected} receivers lost their connection`] : []),
    ];
    // docs/protocol.md lets pushes of messages stored at nearly the same time arrive out of
    // order (the client waits a grace for the gap): reported, not a failure.
    if (check.outOfOrder)
      log(`note: ${check.outOfOrder} pushes arrived below their receiver's last inbox seq`);
    return { steps, problems };
  } finally {
    await load.stop({ t: 'stop' }, 5000);
  }
}

/** With --stalls: the step's slow windows and the stalls that overlap them (shared/stalls.ts). */
function describeStalls(dir: string, windows: readonly SlowWindow[]): void {
  if (windows.length === 0) {
    log(`  stalls: no send acked past ${SLOW_MS} ms`);
    return;
  }
  const stalls = readStalls(dir, windows[0]!.at - 1000, windows.at(-1)!.at + 100 + TIMEOUT_MS);
  const { lines, tally, unexplained } = attributeSlowWindows(windows, stalls);
  const byCount = [...tally].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`);
  log(
    `  stalls: ${windows.length} windows of 100 ms with a send past ${SLOW_MS} ms; stalled meanwhile: ` +
      `${byCount.join(', ') || 'none'}; no stall noted in ${unexplained}`,
  );
  for (const line of lines.slice(0, 12)) log(`    ${line}`);
  if (lines.length > 12) log(`    ... ${lines.length - 12} more`);
}

/**
 * With --cpu-prof or --alloc-prof: starts, or stops and writes, the serving processes' profiles
 * (signin/cpu-profile.mjs, shared/alloc-profile.mjs: both on SIGUSR2).
 */
function toggleProfilers(target: Target): void {
  toggleCpuProfilers(target.processes.filter((p) => !p.store).map((p) => p.pid));
}

async function groupSteps(
  target: Target,
): Promise<{ steps: Step<SmallPhaseResult>[]; warmUp: SmallPhaseResult }> {
  const options: SmallLoadOptions = {
    kind: 'switchboard',
    urls: [...target.gateUrls],
    members: MEMBERS,
    groups: GROUPS,
    groupId: 'bench-messaging',
    appId: target.appId,
    secret: target.secret,
    bodyBytes: Number(args.bytes),
  };
  const layout = new GroupLayout(GROUPS, MEMBERS, options.groupId);
  const load = Child.start<SmallLoadCommand, SmallLoadReport>(
    'group load',
    here('../groups/small-load.ts'),
    [JSON.stringify(options)],
    { cpu: PIN ? '1' : undefined },
  );
  load.on('progress', (p) => log(p.line));
  try {
    const c = await load.next('connected', 120_000);
    if (c.connected !== layout.connections) throw new Error(`${c.failed} group members failed to sign in`);
    for (let g = 0; g < GROUPS; g++) {
      const group = await createGroup(target.api, target.apiKey, layout.groupId(g), layout.userIds(g));
      if (group.large) throw new Error('the group is large (read fan-out): lower --group-members');
    }
    await sleep(1000);
    const groupPhase = async (label: string, rate: number, durationMs: number, sent?: () => void) => {
      load.send({
        t: 'phase',
        spec: { label, rate, durationMs, timeoutMs: TIMEOUT_MS, settleMs: 3000 },
      });
      const limitMs = durationMs + TIMEOUT_MS + 120_000;
      const [, phase] = await Promise.all([
        load.next('sent', limitMs).then(sent),
        load.next('phase', limitMs),
      ]);
      return phase.result;
    };
    // As for 1:1: the group path's code is compiled during its first seconds, which made the first
    // measured group step the worst of a run (its p99 above the next, higher rate's). Not reported
    // as a step; its check still counts.
    const warmUpMs = Number(args['warmup-ms']);
    log(`group warm-up: ${GROUP_RATES[0]}/s for ${warmUpMs / 1000} s`);
    const warmUp = await groupPhase('warm-up', GROUP_RATES[0]!, warmUpMs);
    await sleep(GAP_MS);
    const steps: Step<SmallPhaseResult>[] = [];
    for (const rate of GROUP_RATES) {
      log(`${GROUPS} group(s) of ${MEMBERS}: ${rate} sends/s offered for ${GROUP_STEP_MS / 1000} s ...`);
      const profiled = rate === PROFILED_GROUP_RATE;
      if (profiled) toggleProfilers(target);
      const step = await measured(target, load.pid, (sent) =>
        groupPhase(`${rate}/s`, rate, GROUP_STEP_MS, sent),
      );
      if (profiled) {
        toggleProfilers(target);
        log(`  CPU profiles of this group step written to ${args['cpu-prof']}`);
      }
      const r = step.result;
      log(
        `  ${r.acked}/${r.sent} acked, ${int(r.deliveriesPerSec)} deliveries/s, ack p99 ${ms(r.ackP99Ms)} ms, ` +
          `push p99 ${ms(r.pushP99Ms)} ms; check: ${checkCell(r)}`,
      );
      steps.push(step);
      if (saturated(r.acked, r.sent)) break;
    }
    return { steps, warmUp };
  } finally {
    await load.stop({ t: 'stop' }, 5000);
  }
}

/** Runs `run` on a fresh scratch database holding the users, dropped after (one per reference). */
async function inScratchDatabase<T>(workload: Workload, run: (db: BenchDatabase) => Promise<T>): Promise<T> {
  const db = await openBenchDatabase(args.mysql, 1, workload, liveDatabases);
  try {
    return await run(db);
  } finally {
    await db.dispose();
  }
}

/** A raw reference with InnoDB watched over its writes, as the steps are. */
async function watchedReference(
  label: string,
  run: (watch: ReferenceWatch) => Promise<RawReferenceResult>,
): Promise<RawReferenceResult> {
  let step: InnodbStep | undefined;
  const result = await run({
    start: async () => void (await innodb?.start()),
    stop: async () => void (step = await innodb?.stop()),
  });
  if (step) log(`${label}: ${describeInnodbStep(step, result.messages)}`);
  return result;
}

/**
 * The MySQL server's CPU per message at the best clean step against the reference's: how much more
 * work the service's transactions (smaller, two in flight) give the database for the same rows.
 */
function serverCpuRow(
  kind: string,
  best: Step<{ acked: number; elapsedMs: number }> | undefined,
  raw: RawReferenceResult,
): string[][] {
  const cores = best?.cores.get('mariadb');
  const theirs = serverMsPerMessage(raw);
  if (!best || cores === undefined || theirs === undefined || best.result.acked === 0) return [];
  const ours = (cores * 1000) / (best.result.acked / (best.result.elapsedMs / 1000));
  return [
    [
      `MySQL server CPU per ${kind} message: best clean step / raw reference`,
      `${ours.toFixed(3)} / ${theirs.toFixed(3)} ms (${ratio(ours / theirs)})`,
    ],
  ];
}

/** The reference's processes' cores and the database server's CPU per message, for the summary. */
function referenceCpu(raw: RawReferenceResult): string {
  const client = `client ${raw.clientCpu.toFixed(2)} cores`;
  const perMessage = serverMsPerMessage(raw);
  if (raw.serverCpu === undefined || perMessage === undefined) return client;
  return `${client}, MySQL server ${raw.serverCpu.toFixed(2)} cores = ${perMessage.toFixed(2)} ms per message`;
}

async function rawReference(watch: ReferenceWatch): Promise<RawReferenceResult> {
  const workload = new Workload(USERS, `raw${Date.now()}`, 1, CONTACTS);
  log(
    `raw reference: ${USERS} users in a scratch database, ${RAW_BATCH}-message transactions of 1:1 sends ...`,
  );
  return inScratchDatabase(workload, (db) =>
    runRawReference(
      db.uri,
      RAW_MS,
      RAW_BATCH,
      (conn, first, count) =>
        writeDirectBatch(
          conn,
          Array.from({ length: count }, (_, i) => workload.plan(first + i)),
          workload.content,
        ),
      (line) => log(`raw reference: ${line}`),
      watch,
    ),
  );
}

/**
 * The group reference: `--raw-groups` groups of MEMBERS made as the business API makes them
 * (storage's `groups.create`: the group row and one member row each, the first user the owner),
 * then small-group sends written in RAW_BATCH-message transactions.
 */
async function rawGroupReference(watch: ReferenceWatch): Promise<RawReferenceResult> {
  const workload = new Workload(USERS, `rawg${Date.now()}`);
  const groups = new GroupWorkload(RAW_GROUPS, MEMBERS, (i) => workload.userId(i), `rawg${Date.now()}`);
  if (RAW_GROUPS * MEMBERS > USERS) throw new Error('--raw-groups x --group-members exceeds --users');
  log(
    `raw group reference: ${RAW_GROUPS} group(s) of ${MEMBERS} in a scratch database, ` +
      `${RAW_BATCH}-message transactions ...`,
  );
  return inScratchDatabase(workload, async (db) => {
    const memberIds = await groups.create(db.storage);
    return runRawReference(
      db.uri,
      RAW_MS,
      RAW_BATCH,
      (conn, first, count) =>
        writeGroupBatch(
          conn,
          Array.from({ length: count }, (_, i) => groups.plan(first + i, memberIds)),
          workload.content,
        ),
      (line) => log(`raw group reference: ${line}`),
      watch,
    );
  });
}

const cpuCell = (cores: Map<string, number>) =>
  [...cores].map(([name, c]) => `${name} ${c.toFixed(2)}`).join(', ');

function directTable(steps: readonly Step<PhaseResult>[]): string {
  return table(
    [
      'offered/s',
      'acked/s',
      'ack p50 / p99 (ms)',
      'push p50 / p99 (ms)',
      'errors',
      'pushed / checked',
      'SYNC_HINT only',
      'missing',
      'clean',
      'cores per process',
      'CPUs busy',
      'InnoDB redo log peak, pages flushed per send',
    ],
    steps.map(({ result: r, check, cores, cpuBusy, innodb: db }) => {
      const faults = directFaults(r, check, P99_MS);
      return [
        int(r.rate),
        int(r.acked / (r.elapsedMs / 1000)),
        `${ms(r.p50Ms)} / ${ms(r.p99Ms)}`,
        check ? `${ms(check.pushP50Ms)} / ${ms(check.pushP99Ms)}` : 'n/a',
        errorsCell(r.rejected, r.timedOut, r.closed),
        check ? `${int(check.pushed)} / ${int(check.checked)}` : 'n/a',
        check ? int(check.hinted) : 'n/a',
        check ? int(check.missing) : 'n/a',
        faults.length ? `no: ${faults.join('; ')}` : 'yes',
        cpuCell(cores),
        busyCell(cpuBusy),
        innodbCell(db, r.acked),
      ];
    }),
  );
}

function groupTable(steps: readonly Step<SmallPhaseResult>[]): string {
  return table(
    [
      'offered/s',
      'acked/s',
      'deliveries/s',
      'ack p50 / p99 (ms)',
      'push p50 / p99 (ms)',
      'errors',
      'delivered / expected',
      'check',
      'clean',
      'cores per process',
      'CPUs busy',
      'InnoDB redo log peak, pages flushed per send',
    ],
    steps.map(({ result: r, cores, cpuBusy, innodb: db }) => {
      const faults = groupFaults(r, P99_MS);
      return [
        int(r.rate),
        int(r.acked / (r.elapsedMs / 1000)),
        int(r.deliveriesPerSec),
        `${ms(r.ackP50Ms)} / ${ms(r.ackP99Ms)}`,
        `${ms(r.pushP50Ms)} / ${ms(r.pushP99Ms)}`,
        errorsCell(r.errors, r.timedOut),
        `${int(r.deliveries)} / ${int(r.expectedDeliveries)}`,
        checkCell(r),
        faults.length ? `no: ${faults.join('; ')}` : 'yes',
        cpuCell(cores),
        busyCell(cpuBusy),
        innodbCell(db, r.acked),
      ];
    }),
  );
}

/** CPU per acked message of each serving process (and the load's) at a step: cores / acked per second. */
function cpuPerMessage(step: Step<PhaseResult>): string {
  const perSecond = step.result.acked / (step.result.elapsedMs / 1000);
  return [...step.cores].map(([name, c]) => `${name} ${((c / perSecond) * 1000).toFixed(2)} ms`).join(', ');
}

async function main(): Promise<number> {
  const started = Date.now();
  const load0 = loadavg();
  log(
    `${int(USERS)} users; 1:1 rates ${RATES.join(', ')}/s, ${GROUPS} group(s) of ${MEMBERS} at ${GROUP_RATES.join(', ')}/s; ` +
      (PIN ? 'services on CPU 0, load on CPU 1' : 'not pinned'),
  );
  // This process runs the raw reference's client: on the load core, as the load generators.
  if (PIN) pinProcess(process.pid, '1');
  let sizing = '';
  let restoreInnodb: (() => Promise<void>) | undefined;
  if (!args.embedded) {
    innodb = await InnodbWatch.open(args.mysql);
    if (INNODB_SETTINGS.size > 0) {
      const { undo, restore } = await innodb.apply(INNODB_SETTINGS);
      restoreInnodb = restore;
      log(`--innodb-set applied; put back at the end, or by hand after a Ctrl-C: ${undo.join('; ')}`);
    }
    sizing = describeSizing(await innodb.sizing());
    log(sizing);
  }
  try {
    return await runSteps(started, load0, sizing);
  } finally {
    await restoreInnodb?.();
    await innodb?.close();
    innodb = undefined;
  }
}

async function runSteps(started: number, load0: number[], sizing: string): Promise<number> {
  log(args.embedded ? 'starting the embedded suite ...' : 'starting the local cluster ...');
  const target = (liveTarget = args.embedded
    ? await startEmbeddedTarget({ env: GATE_ENV })
    : await startClusterTarget({
        ws: 1,
        tcp: 1,
        mysqlServer: args.mysql,
        redisUrl: args['redis-url'],
        env: GATE_ENV,
        compiled: COMPILED,
        ...(GC ? { gcPauses: GC } : {}),
        nodeArgs: SERVICE_NODE_ARGS,
      }));
  let direct: Awaited<ReturnType<typeof directSteps>>;
  let groups: Step<SmallPhaseResult>[] = [];
  let groupWarmUp: SmallPhaseResult | undefined;
  const restoreStores: (() => void)[] = [];
  try {
    log(target.description);
    if (PIN) for (const p of target.processes) if (!p.store) pinProcess(p.pid, '0');
    if (STORES_ON_SERVICE_CORE) {
      const stores = target.processes.filter((p) => p.store);
      // A store on another machine (or not found) would leave the comparison half made.
      if (stores.length < 2)
        throw new Error(
          `--stores-on-service-core: MariaDB and Redis must run on this machine (found: ${stores.map((p) => p.name).join(', ') || 'neither'})`,
        );
      for (const p of stores) {
        const { undo, restore } = pinForAWhile(p.pid, '0');
        restoreStores.push(restore);
        log(`${p.name} moved to CPU 0 for the suite's steps; put back at their end, or by hand: ${undo}`);
      }
    }
    direct = await directSteps(target);
    if (!args['no-groups']) ({ steps: groups, warmUp: groupWarmUp } = await groupSteps(target));
    for (const w of target.warnings) log(`service warning: ${w}`);
  } finally {
    liveTarget = undefined;
    for (const restore of restoreStores) restore();
    await target.stop();
  }
  const raw = args['no-raw'] ? undefined : await watchedReference('raw reference', rawReference);
  if (raw) log(`raw reference: ${int(raw.perSecond)} msg/s`);
  const rawGroup =
    args['no-raw'] || args['no-raw-groups'] || groups.length === 0
      ? undefined
      : await watchedReference('raw group reference', rawGroupReference);
  // Deliveries as the group steps count them: every member but the sender.
  const rawGroupDeliveries = rawGroup ? rawGroup.perSecond * (MEMBERS - 1) : 0;
  if (rawGroup)
    log(`raw group reference: ${int(rawGroup.perSecond)} msg/s, ${int(rawGroupDeliveries)} deliveries/s`);

  const cpu = cpus();
  const load1 = loadavg();
  console.log(
    `\n## Persisted messaging: ${args.embedded ? 'embedded suite' : `local cluster (1 logic, 1 route, 1 TCP + 1 WS gate${COMPILED ? ', compiled' : ''})`}\n\n` +
      `${new Date().toISOString().slice(0, 16)}Z, Node ${process.version}, ${cpu.length} x ${cpu[0]?.model ?? '?'}, ` +
      `${PIN ? `services${STORES_ON_SERVICE_CORE ? ', MariaDB and Redis' : ''} on CPU 0, load on CPU 1` : 'not pinned'}; load average ${load0[0]!.toFixed(2)} -> ` +
      `${load1[0]!.toFixed(2)}; ${((Date.now() - started) / 1000).toFixed(0)} s. ${int(USERS)} users, half over TCP ` +
      `and half over WS, ${args.bytes}-byte bodies, ${STEP_MS / 1000} s per step, open loop.` +
      `${sizing ? ` ${sizing}.` : ''}\n`,
  );
  const pairs = CONTACTS > 0 ? `each user to ${CONTACTS} fixed contacts` : 'random pairs';
  console.log(`1:1 sends (${pairs}):\n\n${directTable(direct.steps)}\n`);
  const best = bestClean(
    direct.steps,
    (s) => s.result.rate,
    (s) => directFaults(s.result, s.check, P99_MS).length === 0,
  );
  const bestRate = best ? best.result.acked / (best.result.elapsedMs / 1000) : 0;
  if (best) console.log(`CPU per acked message at the best clean step: ${cpuPerMessage(best)}\n`);
  if (groups.length)
    console.log(`Small groups: ${GROUPS} of ${MEMBERS} (write fan-out):\n\n${groupTable(groups)}\n`);
  const bestGroup = bestClean(
    groups,
    (s) => s.result.rate,
    (s) => groupFaults(s.result, P99_MS).length === 0,
  );
  const rows = [
    [
      '1:1 best clean rate (acked/s)',
      best ? `${int(bestRate)} (offered ${int(best.result.rate)}/s)` : 'no clean step',
    ],
    ...(raw
      ? [
          [
            `raw MariaDB reference (${args['raw-batch']}-message transactions, one connection)`,
            `${int(raw.perSecond)} msg/s (transaction p50 ${ms(raw.p50Ms)} / p99 ${ms(raw.p99Ms)} ms, ${referenceCpu(raw)})`,
          ],
          ['Switchboard / raw reference (goal >= 0.5x)', ratio(bestRate / raw.perSecond)],
          ...serverCpuRow('1:1', best, raw),
        ]
      : []),
    ...(groups.length
      ? [
          [
            `${GROUPS} group(s) of ${MEMBERS}: best clean rate`,
            bestGroup
              ? `${int(bestGroup.result.acked / (bestGroup.result.elapsedMs / 1000))} sends/s, ${int(bestGroup.result.deliveriesPerSec)} deliveries/s`
              : 'no clean step',
          ],
          ...(rawGroup
            ? [
                [
                  `raw MariaDB group reference (${RAW_GROUPS} group(s) of ${MEMBERS}, ${RAW_BATCH}-message transactions)`,
                  `${int(rawGroup.perSecond)} msg/s, ${int(rawGroupDeliveries)} deliveries/s (transaction p50 ` +
                    `${ms(rawGroup.p50Ms)} / p99 ${ms(rawGroup.p99Ms)} ms, ${referenceCpu(rawGroup)})`,
                ],
                ...serverCpuRow('group', bestGroup, rawGroup),
                [
                  'group deliveries/s: Switchboard / raw group reference (goal >= 0.5x)',
                  ratio((bestGroup?.result.deliveriesPerSec ?? 0) / rawGroupDeliveries),
                ],
              ]
            : []),
        ]
      : []),
  ];
  console.log(table(['summary', 'value'], rows));
  const problems = [
    ...direct.problems,
    ...groups
      .filter((g) => checkCell(g.result) !== 'ok')
      .map((g) => `group at ${g.result.rate}/s: ${checkCell(g.result)}`),
    ...(groupWarmUp && checkCell(groupWarmUp) !== 'ok' ? [`group warm-up: ${checkCell(groupWarmUp)}`] : []),
  ];
  if (problems.length) {
    console.error(`\nFAILED: messages lost or doubled:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    return 1;
  }
  console.log('\nOK: every acknowledged message was pushed once to its receivers.');
  return 0;
}

await runBenchmark(main, () => liveTarget).finally(async () => {
  for (const db of liveDatabases) await db.dispose().catch(() => undefined);
});
