// Small-group benchmark (write fan-out): a group of 100 members, all online over a TCP and a WS
// gateway, members taking turns sending to it at a fixed offered rate (open loop) for a fixed
// time. Reports messages/s acknowledged, deliveries/s, ack and push latency and the serving
// processes' CPU per delivery, and checks that every member got every acknowledged message exactly
// once with the conversation_seq its sender was answered; exits non-zero if not. The baseline, in
// the same run, with the same load generator: a raw `ws` relay (relay-ws.ts) doing the same
// deliveries, one pre-framed buffer written to each other member per message, nothing stored.
// Run: npm run bench:groups                (about 2.5 minutes; MariaDB and Redis on this machine)
//      npm run bench:groups -- --embedded  (the embedded suite: SQLite, memory route store)
// Flags: --members 100 --rates 20,50,100 --duration-ms 20000 --timeout-ms 10000 --settle-ms 3000
//        --bytes 100 --only switchboard|baseline --mysql mysql://root@127.0.0.1:3306 --redis-url redis://127.0.0.1:6379
//        --compiled: the cluster's services built first (scripts/build-app.mjs) and run from
//        dist/apps with plain node, as deployed, instead of from source through tsx
// Results go in docs/benchmarks.md, section "Groups: small-group write fan-out".
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_MYSQL_SERVER_URI } from '@switchboard/storage';
import { Child } from '../fanout/child.js';
import { machineBusySeconds, processCpuSeconds } from '../fanout/proc-stats.js';
import { callApi, createGroup } from './business-api.js';
import type {
  MemberKind,
  RelayReport,
  SmallLoadCommand,
  SmallLoadOptions,
  SmallLoadReport,
  SmallPhaseSpec,
} from './ipc.js';
import { checkCell, smallRatioTable, smallTable, type SmallRow } from './small-report.js';
import {
  compiledFlag,
  describeCpu,
  runBenchmark,
  servingCpuSeconds,
  startClusterTarget,
  startEmbeddedTarget,
  type Target,
} from './target.js';

const { values: args } = parseArgs({
  options: {
    embedded: { type: 'boolean', default: false },
    compiled: { type: 'boolean', default: false },
    members: { type: 'string', default: '100' },
    rates: { type: 'string', default: '20,50,100' },
    'duration-ms': { type: 'string', default: '20000' },
    'timeout-ms': { type: 'string', default: '10000' },
    'settle-ms': { type: 'string', default: '3000' },
    bytes: { type: 'string', default: '100' },
    only: { type: 'string', default: '' },
    mysql: { type: 'string', default: DEFAULT_MYSQL_SERVER_URI },
    'redis-url': { type: 'string', default: 'redis://127.0.0.1:6379' },
  },
});
const MEMBERS = Number(args.members);
const RATES = args.rates.split(',').map(Number);
const DURATION_MS = Number(args['duration-ms']);
const COMPILED = compiledFlag(args);
const BASELINE = 'raw ws relay (baseline)';
const IDLE_MS = 5000;
if (!['', 'switchboard', 'baseline'].includes(args.only))
  throw new Error('--only is switchboard or baseline');
const RUN_SWITCHBOARD = args.only !== 'baseline';
const RUN_BASELINE = args.only !== 'switchboard';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line: string) => console.log(`[groups] ${line}`);
type Load = Child<SmallLoadCommand, SmallLoadReport>;
let liveTarget: Target | undefined;

/** Starts the load generator with `members` of `kind` and waits until they are all connected. */
async function openMembers(kind: MemberKind, urls: string[], target?: Target): Promise<Load> {
  const options: SmallLoadOptions = {
    kind,
    urls,
    members: MEMBERS,
    groupId: 'bench-small',
    appId: target?.appId ?? '',
    secret: target?.secret ?? '',
    bodyBytes: Number(args.bytes),
  };
  const load: Load = Child.start('load', here('./small-load.ts'), [JSON.stringify(options)]);
  load.on('progress', (p) => log(p.line));
  const c = await load.next('connected', 120_000);
  log(`${kind}: ${c.connected}/${MEMBERS} members connected in ${(c.ms / 1000).toFixed(1)} s`);
  if (c.connected !== MEMBERS) throw new Error(`${c.failed} members failed to connect`);
  return load;
}

/** Runs every rate against one server; `cpu` reads the serving processes' CPU seconds. */
async function phases(
  server: string,
  load: Load,
  cpu: () => { ours: number; stores: number | undefined; each: Map<string, number> },
): Promise<SmallRow[]> {
  const rows: SmallRow[] = [];
  for (const rate of RATES) {
    const spec: SmallPhaseSpec = {
      label: `${rate}/s`,
      rate,
      durationMs: DURATION_MS,
      timeoutMs: Number(args['timeout-ms']),
      settleMs: Number(args['settle-ms']),
    };
    log(`${server}: ${rate} messages/s offered for ${DURATION_MS / 1000} s ...`);
    const before = cpu();
    const machine0 = machineBusySeconds() ?? 0;
    const t0 = performance.now();
    const progress = setInterval(
      () => log(`${server}: ${((performance.now() - t0) / 1000).toFixed(0)} s into the ${rate}/s phase`),
      10_000,
    );
    load.send({ t: 'phase', spec });
    const limitMs = DURATION_MS + spec.timeoutMs + spec.settleMs + 60_000;
    // The CPU of the sends, read before the load's settle and check (idle seconds for the servers).
    await load.next('sent', limitMs).finally(() => clearInterval(progress));
    const after = cpu();
    const seconds = (performance.now() - t0) / 1000;
    const machine = ((machineBusySeconds() ?? 0) - machine0) / seconds;
    const { result } = await load.next('phase', limitMs);
    const row: SmallRow = {
      server,
      result,
      cpuSeconds: after.ours - before.ours,
      storeCpuSeconds:
        after.stores === undefined || before.stores === undefined ? undefined : after.stores - before.stores,
    };
    log(
      `${server} ${rate}/s: ${result.acked}/${result.sent} acked, ${Math.round(result.deliveriesPerSec)} deliveries/s, ` +
        `ack p99 ${result.ackP99Ms.toFixed(1)} ms, push p50 ${result.pushP50Ms.toFixed(1)} / p99 ${result.pushP99Ms.toFixed(1)} ms, ` +
        `${result.deliveries}/${result.expectedDeliveries} delivered; machine ${machine.toFixed(2)} cores busy, ` +
        `load generator ${result.loadCpu.toFixed(2)}; check: ${checkCell(result)}`,
    );
    log(`${server} ${rate}/s: cores used by ${describeCpu(before.each, after.each, seconds)}`);
    rows.push(row);
  }
  return rows;
}

async function switchboardRows(): Promise<SmallRow[]> {
  log(args.embedded ? 'starting the embedded suite ...' : 'starting the local cluster (MariaDB, Redis) ...');
  const target = args.embedded
    ? await startEmbeddedTarget()
    : await startClusterTarget({
        ws: 1,
        tcp: 1,
        mysqlServer: args.mysql,
        redisUrl: args['redis-url'],
        compiled: COMPILED,
      });
  liveTarget = target;
  log(target.description);
  const label = args.embedded
    ? 'Switchboard embedded'
    : `Switchboard cluster${COMPILED ? ' (compiled)' : ''}`;
  let load: Load | undefined;
  try {
    load = await openMembers('switchboard', [...target.gateUrls], target);
    const group = await createGroup(
      target.api,
      target.apiKey,
      'bench-small',
      Array.from({ length: MEMBERS }, (_, i) => `m${i}`),
    );
    log(
      `group bench-small: ${group.memberCount} members, ${group.large ? 'large (read fan-out!)' : 'small (write fan-out)'}`,
    );
    if (group.large)
      throw new Error('the group is large: raise logic.largeGroupMinMembers or lower --members');
    // Let the group-created pushes arrive, then read what the serving processes use idle: the
    // per-delivery figures include it (timers, leases, health checks).
    await sleep(1000);
    const idle0 = servingCpuSeconds(target.processes).each;
    await sleep(IDLE_MS);
    log(
      `idle for ${IDLE_MS / 1000} s: cores used by ${describeCpu(idle0, servingCpuSeconds(target.processes).each, IDLE_MS / 1000)}`,
    );
    const rows = await phases(label, load, () => {
      const c = servingCpuSeconds(target.processes);
      return { ...c, stores: target.processes.some((p) => p.store) ? c.stores : undefined };
    });
    await callApi(target.api, target.apiKey, 'dissolve_group', { groupId: 'bench-small' });
    for (const w of target.warnings) log(`server warning: ${w}`);
    return rows;
  } finally {
    await load?.stop({ t: 'stop' }, 5_000);
    await target.stop();
    liveTarget = undefined;
  }
}

async function baselineRows(): Promise<SmallRow[]> {
  const relay = Child.start<never, RelayReport>('relay', here('./relay-ws.ts'), []);
  const { port } = await relay.next('ready', 60_000);
  let load: Load | undefined;
  try {
    load = await openMembers('ws', [`ws://127.0.0.1:${port}`]);
    return await phases(BASELINE, load, () => {
      const ours = processCpuSeconds(relay.pid) ?? 0;
      return { ours, stores: undefined, each: new Map([['relay', ours]]) };
    });
  } finally {
    await load?.stop({ t: 'stop' }, 5_000);
    relay.proc.kill();
  }
}

async function main(): Promise<number> {
  const started = Date.now();
  const load0 = loadavg()[0]!;
  log(
    `${MEMBERS} members; offered ${RATES.join(', ')} messages/s for ${DURATION_MS / 1000} s each; ` +
      `${args.bytes}-byte bodies; ${cpus().length} CPUs, load average ${load0.toFixed(2)}`,
  );
  const rows = RUN_SWITCHBOARD ? await switchboardRows() : [];
  if (RUN_BASELINE) rows.push(...(await baselineRows()));

  const cpu = cpus();
  console.log(
    `\n${new Date().toISOString().slice(0, 16)}Z, Node ${process.version}, ${cpu.length} x ${cpu[0]?.model ?? '?'}, ` +
      `load average ${load0.toFixed(2)} -> ${loadavg()[0]!.toFixed(2)}, ${((Date.now() - started) / 1000).toFixed(0)} s; ` +
      `${MEMBERS} members, ${DURATION_MS / 1000} s per rate, ${args.bytes}-byte bodies\n`,
  );
  console.log(smallTable(rows));
  if (RUN_SWITCHBOARD && RUN_BASELINE) {
    console.log(
      `\nAgainst the raw ws relay at the same offered rate, same run (lower is better except deliveries/s):\n`,
    );
    console.log(smallRatioTable(rows, BASELINE));
  }
  const failed = rows.filter((r) => checkCell(r.result) !== 'ok');
  for (const r of failed) console.log(`\nFAILED: ${r.server} at ${r.result.rate}/s: ${checkCell(r.result)}`);
  if (failed.length === 0)
    console.log('\nOK: every member got every acknowledged message exactly once, with its conversation_seq');
  return failed.length === 0 ? 0 : 1;
}

await runBenchmark(main, () => liveTarget);
