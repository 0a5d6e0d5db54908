// Overload benchmark: the embedded suite (one process, pinned to CPU 0) under an open-loop load of
// 1:1 sends from N signed-in users (a load-generator process pinned to CPU 1).
// Phase A steps the offered rate up (after a warm-up) until a step acks less than 90% of what it
// offered; the peak is the most acked/s of any step (the highest "clean" step, 99% acked with p99
// under 100 ms, is named too). Phase B offers 2x the peak's acked/s for a minute. Every phase reports acked/s (and its ratio to the peak step's, the
// baseline of the same run), refusals by code, timeouts, latency, server CPU and warn lines; after
// the last phase every acknowledged message is matched against what its recipient received:
// pushes missing (neither the MESSAGE push nor a SYNC_HINT after the ack) must be 0. Then, for
// comparison, a fresh suite with admission control turned off takes the same 2x load.
// Run: npm run bench:overload            (about 4 minutes; --quick for a 1-minute smoke run)
//      npm run bench:overload -- --compiled   (the suite built first with scripts/build-app.mjs and
//                                              run from dist/apps/standalone with plain node, as
//                                              deployed, instead of from source through tsx)
// Results go in docs/benchmarks.md, section "Overload (admission control)".
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildApps } from '@switchboard/testing';
import { Child, liveChildren } from '../fanout/child.js';
import { machineBusySeconds } from '../fanout/proc-stats.js';
import type { LoadCommand, LoadOptions, LoadReport, PhaseSpec } from './ipc.js';
import { describePhase, pushTable, sendTable, type PhaseRow } from './report.js';
import { SuiteProcess } from './suite-process.js';

const { values: args } = parseArgs({
  options: {
    users: { type: 'string' },
    steps: { type: 'string' },
    'step-ms': { type: 'string' },
    'warmup-ms': { type: 'string' },
    'overload-ms': { type: 'string' },
    'overload-factor': { type: 'string', default: '2' },
    'compare-ms': { type: 'string' },
    'no-compare': { type: 'boolean', default: false },
    peak: { type: 'string' },
    'timeout-ms': { type: 'string', default: '6000' },
    'gap-ms': { type: 'string' },
    'settle-ms': { type: 'string' },
    'all-steps': { type: 'boolean', default: false },
    transport: { type: 'string', default: 'tcp' },
    bytes: { type: 'string', default: '100' },
    'p99-ms': { type: 'string', default: '100' },
    'no-pin': { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    compiled: { type: 'boolean', default: false },
    env: { type: 'string', multiple: true },
  },
});

const QUICK = args.quick;
const USERS = Number(args.users ?? (QUICK ? 1000 : 2000));
const STEPS = (args.steps ?? (QUICK ? '1000,2000,4000' : '500,1000,2000,3000,4000,6000,8000'))
  .split(',')
  .map(Number);
const WARMUP_MS = Number(args['warmup-ms'] ?? (QUICK ? 3000 : 5000));
const STEP_MS = Number(args['step-ms'] ?? (QUICK ? 4000 : 10_000));
const OVERLOAD_MS = Number(args['overload-ms'] ?? (QUICK ? 10_000 : 60_000));
const FACTOR = Number(args['overload-factor']);
const COMPARE = !args['no-compare'];
const COMPARE_MS = Number(args['compare-ms'] ?? (QUICK ? 6000 : 30_000));
const TIMEOUT_MS = Number(args['timeout-ms']);
const GAP_MS = Number(args['gap-ms'] ?? (QUICK ? 1000 : 2000));
const SETTLE_MS = Number(args['settle-ms'] ?? (QUICK ? 3000 : 5000));
const P99_LIMIT_MS = Number(args['p99-ms']);
const PIN = !args['no-pin'] && cpus().length >= 2;
if (args.transport !== 'tcp' && args.transport !== 'ws') throw new Error('--transport is tcp or ws');

/** `--env KEY=VALUE` (repeatable): extra settings of every suite started, e.g. a config override. */
const EXTRA_ENV = Object.fromEntries(
  (args.env ?? []).map((kv) => {
    const i = kv.indexOf('=');
    if (i <= 0) throw new Error(`--env expects KEY=VALUE, got ${kv}`);
    return [kv.slice(0, i), kv.slice(i + 1)];
  }),
);

/** Admission control turned off: the gate and logic queue whatever arrives. */
const ADMISSION_OFF = {
  SWITCHBOARD_GATE__MAX_INFLIGHT_REQUESTS: '100000000',
  SWITCHBOARD_GATE__BUSY_BACKOFF_MS: '0',
  SWITCHBOARD_LOGIC__MAX_QUEUED_SENDS: '100000000',
  SWITCHBOARD_LOGIC__MAX_PUSH_BACKLOG: '100000000',
  SWITCHBOARD_LOGIC__MAX_PUSH_LAG_MS: '100000000',
};

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line: string) => console.log(`[overload] ${line}`);
type Load = Child<LoadCommand, LoadReport>;
/** Suites started and not yet stopped, killed if the run fails. */
const liveSuites = new Set<SuiteProcess>();

/** A suite and its signed-in users, ready for phases. */
interface Session {
  name: string;
  suite: SuiteProcess;
  load: Load;
  rows: PhaseRow[];
}

async function openSession(name: string, env: Record<string, string>): Promise<Session> {
  log(`${name}: starting the embedded suite${args.compiled ? ' (compiled)' : ''}${PIN ? ' on CPU 0' : ''}`);
  const suite = SuiteProcess.start({
    cpu: PIN ? '0' : undefined,
    env: { ...EXTRA_ENV, ...env },
    compiled: args.compiled,
  });
  liveSuites.add(suite);
  await suite.ready();
  const url = args.transport === 'tcp' ? suite.tcpUrl : suite.wsUrl;
  const options: LoadOptions = {
    urls: [url],
    appId: 'demo',
    secret: suite.demoSecret(),
    users: USERS,
    concurrency: 50,
    bodyBytes: Number(args.bytes),
    seed: 7,
  };
  const load: Load = Child.start('load', here('./load.ts'), [JSON.stringify(options)], {
    cpu: PIN ? '1' : undefined,
  });
  load.on('progress', (p) => log(`${name}: ${p.line}`));
  const c = await load.next('connected', 300_000);
  log(
    `${name}: ${c.connected} users signed in over ${args.transport} in ${(c.ms / 1000).toFixed(1)} s` +
      (c.failed ? `, ${c.failed} failed` : ''),
  );
  return { name, suite, load, rows: [] };
}

async function phase(session: Session, spec: PhaseSpec): Promise<PhaseRow> {
  const { suite, load } = session;
  const cpu0 = suite.cpuSeconds();
  const machine0 = machineBusySeconds();
  const out0 = { ...suite.output };
  const t0 = performance.now();
  load.send({ t: 'phase', spec });
  const { result } = await load.next('phase', spec.durationMs + spec.timeoutMs + 120_000);
  const seconds = (performance.now() - t0) / 1000;
  const serverCpu = (suite.cpuSeconds() - cpu0) / seconds;
  const machineCpu = ((machineBusySeconds() ?? 0) - (machine0 ?? 0)) / seconds;
  log(`${session.name} ${describePhase(result)}`);
  // Let the server drain what the phase left queued (pushes) before the next one starts.
  await sleep(GAP_MS);
  const row: PhaseRow = {
    suite: session.name,
    result,
    serverCpu,
    othersCpu: Math.max(0, machineCpu - serverCpu - result.loadCpu),
    warnLines: suite.output.warnLines - out0.warnLines,
    logBytes: suite.output.bytes - out0.bytes,
  };
  session.rows.push(row);
  return row;
}

/** Waits, has the load generator match acks against pushes, prints server counters, stops both. */
async function closeSession(session: Session): Promise<void> {
  const { suite, load } = session;
  log(`${session.name}: settling ${SETTLE_MS} ms, then checking every acked message's push`);
  load.send({ t: 'check', settleMs: SETTLE_MS });
  const check = await load.next('check', SETTLE_MS + 120_000);
  check.phases.forEach((c, i) => (session.rows[i]!.check = c));
  const missing = check.phases.reduce((a, c) => a + c.missing, 0);
  log(
    `${session.name}: pushes missing ${missing}; SYNC_HINTs received ${check.syncHints}; ` +
      `receivers disconnected ${check.disconnected}; pushes of never-acked messages ${check.pushedUnacked}; ` +
      `doubled ${check.doubled}, out of inbox order ${check.outOfOrder}`,
  );
  const metrics = await suite.metrics().catch(() => new Map<string, number>());
  const pick = (name: string) => metrics.get(name) ?? 0;
  log(
    `${session.name}: server counters: gate busy refusals ${pick('switchboard_gate_busy_rejections_total')}, ` +
      `logic refused ${pick('switchboard_logic_sends_refused_busy_total')} ` +
      `(push backlog ${pick('switchboard_logic_sends_refused_push_backlog_total')}), expired ${pick('switchboard_logic_sends_expired_total')}, ` +
      `push failures ${pick('switchboard_logic_push_failures_total')}, overflow ${pick('switchboard_logic_push_overflow_total')}, ` +
      `unreached ${pick('switchboard_logic_push_unreached_users_total')}, nudges ${pick('switchboard_logic_sync_nudges_total')}`,
  );
  log(
    `${session.name}: server output ${(suite.output.bytes / 1024).toFixed(0)} KiB in ${suite.output.lines} lines, ` +
      `${suite.output.warnLines} at warn or worse`,
  );
  for (const [msg, { count, first }] of [...suite.warnSamples]
    .sort((a, b) => b[1].count - a[1].count)
    .slice(0, 5))
    log(`${session.name}:   ${count} x ${msg}; the first: ${first}`);
  await load.stop({ t: 'stop' }, 10_000);
  const code = await suite.stop();
  liveSuites.delete(suite);
  if (code !== 0) log(`${session.name}: the suite exited with ${code}`);
}

/** Acked per second over a phase's duration. */
const ackedPerSecond = (row: PhaseRow) => row.result.acked / (row.result.elapsedMs / 1000);

/**
 * The peak is the most acked/s of any step: what the suite sustains when offered more than it can
 * take. Also named: the highest clean step (at least 99% acked, p99 under --p99-ms), if any, which
 * on a busy machine can sit far below the peak because of latency alone.
 */
function pickPeak(rows: readonly PhaseRow[]): { peak: PhaseRow; clean: PhaseRow | undefined } {
  const peak = [...rows].sort((a, b) => ackedPerSecond(b) - ackedPerSecond(a))[0]!;
  const clean = rows.filter(({ result: r }) => r.acked >= 0.99 * r.sent && r.p99Ms < P99_LIMIT_MS).at(-1);
  return { peak, clean };
}

async function main(): Promise<void> {
  log(
    `${USERS} users over ${args.transport}, steps ${STEPS.join(',')} msg/s x ${STEP_MS} ms, ` +
      `overload ${FACTOR}x peak for ${OVERLOAD_MS} ms, client timeout ${TIMEOUT_MS} ms; ` +
      `${cpus().length} CPUs, load average ${loadavg()[0]!.toFixed(2)}`,
  );
  if (args.compiled) await buildApps(['standalone'], (line) => log(`build: ${line}`));
  const t0 = performance.now();
  const on = await openSession('admission on', {});
  let peak: PhaseRow;
  if (args.peak) {
    const rate = Number(args.peak);
    peak = await phase(on, { label: `1x peak ${rate}/s`, rate, durationMs: STEP_MS, timeoutMs: TIMEOUT_MS });
  } else {
    // JIT, SQLite page cache and connection buffers warm up here, not in the first measured step.
    await phase(on, { label: 'warm-up', rate: STEPS[0]!, durationMs: WARMUP_MS, timeoutMs: TIMEOUT_MS });
    const steps: PhaseRow[] = [];
    for (const rate of STEPS) {
      const row = await phase(on, {
        label: `step ${rate}/s`,
        rate,
        durationMs: STEP_MS,
        timeoutMs: TIMEOUT_MS,
      });
      const best = Math.max(0, ...steps.map(ackedPerSecond));
      steps.push(row);
      // Past saturation more steps only take time: stop at a step that acked less than 90% of what
      // it offered, unless it still acked 10% more per second than any step before (a noisy box).
      const saturated = row.result.acked < 0.9 * row.result.sent && ackedPerSecond(row) < 1.1 * best;
      if (saturated && !args['all-steps']) break;
    }
    const picked = pickPeak(steps);
    peak = picked.peak;
    log(
      `peak: ${peak.result.label} acked ${Math.round(ackedPerSecond(peak))}/s (the most of any step); ` +
        (picked.clean
          ? `highest clean step (>= 99% acked, p99 < ${P99_LIMIT_MS} ms): ${picked.clean.result.label}`
          : `no step was clean (>= 99% acked with p99 < ${P99_LIMIT_MS} ms)`),
    );
  }
  const peakAcked = ackedPerSecond(peak);
  const peakLabel = peak.result.label;
  // Offered: the factor times what the suite acked at its peak, in hundreds.
  const overRate = Math.round((FACTOR * peakAcked) / 100) * 100;
  const overload: PhaseSpec = {
    label: `${FACTOR}x peak ${overRate}/s`,
    rate: overRate,
    durationMs: OVERLOAD_MS,
    timeoutMs: TIMEOUT_MS,
  };
  await phase(on, overload);
  await closeSession(on);

  const sessions = [on];
  if (COMPARE) {
    const off = await openSession('admission off', ADMISSION_OFF);
    await phase(off, { ...overload, durationMs: COMPARE_MS });
    await closeSession(off);
    sessions.push(off);
  }

  const rows = sessions.flatMap((s) => s.rows);
  console.log(`\nSends (vs peak: acked/s against ${peakLabel}'s ${Math.round(peakAcked)}/s, same run):\n`);
  console.log(sendTable(rows, peakAcked));
  console.log('\nPushes of acknowledged messages (missing must be 0):\n');
  console.log(pushTable(rows));
  console.log(
    `\n${((performance.now() - t0) / 1000).toFixed(0)} s; load average now ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

const cleanup = () => {
  for (const child of liveChildren) child.kill('SIGKILL');
  for (const suite of liveSuites) suite.proc.kill('SIGKILL');
};
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});
try {
  await main();
} catch (err) {
  cleanup();
  throw err;
}
