// Room and large-group fan-out: 10,000 connections over two gates, held by several load-generator
// processes, in (a) a room every connection subscribes to (SUBSCRIBE_ROOM; pushes by the business
// API's send_message to TARGET_TYPE_ROOM) and (b) a large group of all 10,000 users (create_group
// and add_group_members 1,000 at a time; read fan-out through the group's room
// sb:group:<id>; pushes by send_message to TARGET_TYPE_GROUP). Each round sends a burst of payloads
// at once and every connection must get each exactly once. The baseline, in the same run and the
// same load processes: a raw `ws` server writing one pre-framed buffer per payload to every socket
// (../fanout/server-ws.ts preframed). Reports deliveries/s, p50/p99 latency (from the moment the burst is sent
// to each arrival: for Switchboard the business API call, logic, route and gate are all inside it)
// and the serving processes' CPU per delivery, against the baseline.
// Run: npm run bench:groups-large          (1.5 to 3 minutes; MariaDB and Redis on this machine)
// Flags: --connections 10000 --messages 20 --bytes 1024 --rounds 3 --warmup 1 --load-procs 3
//        --ws 2 --tcp 0 (gates of the cluster) --embedded --kinds room,group --only switchboard|baseline
//        --compiled: the cluster's services built first (scripts/build-app.mjs) and run from
//        dist/apps with plain node, as deployed, instead of from source through tsx
// Results go in docs/benchmarks.md, section "Large-group and room fan-out".
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_MYSQL_SERVER_URI } from '@switchboard/storage';
import { Child } from '../fanout/child.js';
import { makePayload } from '../fanout/payload.js';
import { int, ratio, ROUND_HEADERS, roundCells, table } from '../fanout/report.js';
import {
  describeRound,
  pushRound,
  runRound,
  summarize,
  type Load,
  type RoundDriver,
  type RoundResult,
  type RoundSpec,
  type Server,
} from '../fanout/rounds.js';
import { callApi, createGroup } from './business-api.js';
import {
  PAYLOAD_CONTENT_TYPE,
  type ConnectSpec,
  type MemberKind,
  type MemberLoadCommand,
  type MemberLoadReport,
} from './ipc.js';
import {
  compiledFlag,
  runBenchmark,
  servingCpuSeconds,
  startClusterTarget,
  startEmbeddedTarget,
  type Target,
} from './target.js';

const { values: args } = parseArgs({
  options: {
    connections: { type: 'string', default: '10000' },
    messages: { type: 'string', default: '20' },
    bytes: { type: 'string', default: '1024' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    'load-procs': { type: 'string' },
    concurrency: { type: 'string', default: '50' },
    ws: { type: 'string', default: '2' },
    tcp: { type: 'string', default: '0' },
    embedded: { type: 'boolean', default: false },
    compiled: { type: 'boolean', default: false },
    kinds: { type: 'string', default: 'room,group' },
    only: { type: 'string', default: '' },
    'round-timeout-s': { type: 'string', default: '60' },
    mysql: { type: 'string', default: DEFAULT_MYSQL_SERVER_URI },
    'redis-url': { type: 'string', default: 'redis://127.0.0.1:6379' },
  },
});
const CONNECTIONS = Number(args.connections);
// One process holds at most ~20k open files here; a few thousand clients each keeps the client side
// from being one core's worth of decoding in one process.
const LOAD_PROCS = Number(args['load-procs'] ?? Math.max(2, Math.ceil(CONNECTIONS / 4000)));
const ROUNDS = Number(args.rounds);
const COMPILED = compiledFlag(args);
const WARMUP = Number(args.warmup);
const KINDS = args.kinds.split(',');
if (KINDS.some((k) => k !== 'room' && k !== 'group')) throw new Error('--kinds: room, group');
if (!['', 'switchboard', 'baseline'].includes(args.only))
  throw new Error('--only is switchboard or baseline');
const SPEC: RoundSpec = {
  messages: Number(args.messages),
  bytes: Number(args.bytes),
  paceMs: 0,
  timeoutMs: Number(args['round-timeout-s']) * 1000,
};
if (SPEC.bytes < 12) throw new Error('--bytes must be at least 12 (the payload tail holds seq and stamp)');
const ROOM = 'bench-room';
const GROUP = 'bench-large';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line: string) => console.log(`[groups-large] ${line}`);
type MemberLoad = Child<MemberLoadCommand, MemberLoadReport>;
let liveTarget: Target | undefined;
/** Connections that failed to open or sign in, per server: the run fails when any did. */
const connectFailures: string[] = [];

interface Row {
  label: string;
  connections: number;
  result: RoundResult;
}

/** Has every load process open its share of the connections; resolves with how many are open. */
async function connectAll(loads: MemberLoad[], base: Omit<ConnectSpec, 'count' | 'offset'>): Promise<number> {
  const connected = new Array<number>(loads.length).fill(0);
  let offset = 0;
  for (const [i, load] of loads.entries()) {
    const count = Math.floor(CONNECTIONS / loads.length) + (i < CONNECTIONS % loads.length ? 1 : 0);
    load.on('progress', (p) => (connected[i] = p.connected));
    load.send({ t: 'connect', spec: { ...base, count, offset } });
    offset += count;
  }
  const total = () => connected.reduce((a, b) => a + b, 0);
  const t0 = performance.now();
  const progress = setInterval(() => log(`${base.kind}: ${total()}/${CONNECTIONS} connected`), 2000);
  try {
    const done = await Promise.all(loads.map((l) => l.next('connected', 600_000)));
    const open = done.reduce((a, d) => a + d.connected, 0);
    const failed = done.reduce((a, d) => a + d.failed, 0);
    log(
      `${base.kind}: ${open} connections open in ${((performance.now() - t0) / 1000).toFixed(1)} s` +
        (failed ? `, ${failed} FAILED` : ''),
    );
    if (open === 0) throw new Error(`${base.kind}: no connection opened`);
    if (open < CONNECTIONS)
      connectFailures.push(`${base.kind}: ${CONNECTIONS - open} of ${CONNECTIONS} did not connect`);
    return open;
  } finally {
    clearInterval(progress);
  }
}

async function dropAll(loads: MemberLoad[], label: string): Promise<void> {
  for (const l of loads) l.send({ t: 'drop' });
  const dropped = await Promise.all(loads.map((l) => l.next('dropped', 60_000)));
  const hints = dropped.reduce((a, d) => a + d.syncHints, 0);
  const closed = dropped.reduce((a, d) => a + d.closedEarly, 0);
  if (hints || closed)
    log(`${label}: ${hints} SYNC_HINTs received, ${closed} connections closed by the server`);
}

async function measure(label: string, round: () => Promise<RoundResult>, connections: number): Promise<Row> {
  const results: RoundResult[] = [];
  for (let i = 0; i < WARMUP + ROUNDS; i++) {
    const r = await round();
    log(`${label} ${i < WARMUP ? 'warm-up' : `${i - WARMUP + 1}/${ROUNDS}`}: ${describeRound(r)}`);
    if (i >= WARMUP) results.push(r);
    await sleep(500);
  }
  return { label, connections, result: summarize(results) };
}

async function baseline(loads: MemberLoad[]): Promise<Row> {
  const server: Server = Child.start('server-ws', here('../fanout/server-ws.ts'), ['preframed'], {
    exposeGc: true,
  });
  try {
    const ready = await server.next('ready', 60_000);
    const open = await connectAll(loads, {
      kind: 'ws',
      urls: [`ws://127.0.0.1:${ready.port}/`],
      appId: '',
      secret: '',
      room: '',
      concurrency: Number(args.concurrency),
    });
    await sleep(1000);
    const row = await measure('raw ws', () => pushRound(server, loads as Load[], open, SPEC), open);
    await dropAll(loads, 'raw ws');
    return row;
  } finally {
    await server.stop({ t: 'stop' }, 10_000);
  }
}

/** Pushes a burst through the business API: `target` is the room or the group. */
function apiDriver(
  target: Target,
  targetType: 'TARGET_TYPE_ROOM' | 'TARGET_TYPE_GROUP',
  id: string,
): RoundDriver {
  const cpuMicros = () => servingCpuSeconds(target.processes).ours * 1e6;
  let round = 0;
  return {
    async push(spec) {
      round++;
      const cpu = cpuMicros();
      const startNs = process.hrtime.bigint();
      const answers = await Promise.all(
        Array.from({ length: spec.messages }, (_, seq) =>
          callApi(target.api, target.apiKey, 'send_message', {
            targetType,
            targetId: id,
            contentType: PAYLOAD_CONTENT_TYPE,
            content: makePayload(seq, spec.bytes, startNs).toString('base64'),
            clientMsgId: `${id}-${round}-${seq}`,
          }),
        ),
      );
      if (targetType === 'TARGET_TYPE_ROOM') {
        const delivered = answers.reduce((a, r) => a + Number(r['delivered'] ?? 0), 0);
        if (delivered !== spec.messages * CONNECTIONS)
          log(`room: send_message answered delivered ${delivered}, expected ${spec.messages * CONNECTIONS}`);
      }
      return { startNs, cpuMicros: cpu };
    },
    cpuMicros: async () => cpuMicros(),
  };
}

async function switchboard(loads: MemberLoad[]): Promise<Row[]> {
  log(args.embedded ? 'starting the embedded suite ...' : 'starting the local cluster (MariaDB, Redis) ...');
  const target = args.embedded
    ? await startEmbeddedTarget()
    : await startClusterTarget({
        ws: Number(args.ws),
        tcp: Number(args.tcp),
        mysqlServer: args.mysql,
        redisUrl: args['redis-url'],
        compiled: COMPILED,
      });
  liveTarget = target;
  log(target.description);
  const rows: Row[] = [];
  try {
    const kind: MemberKind = 'switchboard';
    const open = await connectAll(loads, {
      kind,
      urls: [...target.gateUrls],
      appId: target.appId,
      secret: target.secret,
      room: KINDS.includes('room') ? ROOM : '',
      concurrency: Number(args.concurrency),
    });
    if (KINDS.includes('room')) {
      const driver = apiDriver(target, 'TARGET_TYPE_ROOM', ROOM);
      rows.push(await measure('room', () => runRound(driver, loads as Load[], open, SPEC), open));
    }
    if (KINDS.includes('group')) {
      const t0 = performance.now();
      const users = Array.from({ length: CONNECTIONS }, (_, i) => `u${i}`);
      const group = await createGroup(target.api, target.apiKey, GROUP, users);
      log(
        `group ${GROUP}: ${group.memberCount} members (${group.large ? 'large: read fan-out' : 'SMALL: write fan-out!'}), ` +
          `made in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
      // Let the member-added messages reach everyone before the first round.
      await sleep(3000);
      const driver = apiDriver(target, 'TARGET_TYPE_GROUP', GROUP);
      rows.push(await measure('large group', () => runRound(driver, loads as Load[], open, SPEC), open));
      await callApi(target.api, target.apiKey, 'dissolve_group', { groupId: GROUP });
    }
    await dropAll(loads, 'switchboard');
    for (const w of target.warnings) log(`server warning: ${w}`);
    return rows;
  } finally {
    await target.stop();
    liveTarget = undefined;
  }
}

const LABELS: Record<string, string> = {
  'raw ws': 'raw ws, one pre-framed buffer per socket (baseline)',
  room: 'Switchboard room (send_message TARGET_TYPE_ROOM)',
  'large group': 'Switchboard large group (send_message TARGET_TYPE_GROUP)',
};

function resultsTable(rows: readonly Row[]): string {
  return table(
    ['server', 'connections', ...ROUND_HEADERS, 'lost', 'duplicated', 'out of order'],
    rows.map(({ label, connections, result: r }) => [
      LABELS[label] ?? label,
      int(connections),
      ...roundCells(r),
      int(r.lost),
      int(r.duplicated),
      // Rooms: not judged (nothing orders a burst's concurrent sends); groups: by conversation_seq.
      label === 'room' ? 'n/a' : int(r.outOfOrder),
    ]),
  );
}

function ratiosTable(rows: readonly Row[]): string {
  const base = rows.find((r) => r.label === 'raw ws');
  if (!base) return '(no baseline in this run)';
  const b = base.result;
  return table(
    ['server', 'deliveries/s', 'p50', 'p99', 'server CPU/delivery'],
    rows
      .filter((r) => r !== base)
      .map(({ label, result: r }) => [
        LABELS[label] ?? label,
        ratio(r.deliveriesPerSec / b.deliveriesPerSec),
        ratio(r.p50Ms / b.p50Ms),
        ratio(r.p99Ms / b.p99Ms),
        ratio(r.cpuMicrosPerDelivery / b.cpuMicrosPerDelivery),
      ]),
  );
}

async function main(): Promise<number> {
  const started = Date.now();
  const load0 = loadavg()[0]!;
  log(
    `${CONNECTIONS} connections in ${LOAD_PROCS} load processes; bursts of ${SPEC.messages} x ${SPEC.bytes} B ` +
      `(${WARMUP} warm-up + ${ROUNDS} rounds); ${args.embedded ? 'embedded suite' : `cluster with ${args.ws} WS + ${args.tcp} TCP gates${COMPILED ? ', compiled' : ''}`}; ` +
      `${cpus().length} CPUs, load average ${load0.toFixed(2)}`,
  );
  const loads: MemberLoad[] = Array.from({ length: LOAD_PROCS }, (_, i) =>
    Child.start<MemberLoadCommand, MemberLoadReport>(`load-${i}`, here('./member-load.ts'), []),
  );
  const rows: Row[] = [];
  try {
    if (args.only !== 'switchboard') rows.push(await baseline(loads));
    if (args.only !== 'baseline') rows.push(...(await switchboard(loads)));
  } finally {
    await Promise.all(loads.map((l) => l.stop({ t: 'stop' }, 5_000)));
  }

  const cpu = cpus();
  console.log(
    `\n${new Date().toISOString().slice(0, 16)}Z, Node ${process.version}, ${cpu.length} x ${cpu[0]?.model ?? '?'}, ` +
      `load average ${load0.toFixed(2)} -> ${loadavg()[0]!.toFixed(2)}, ${((Date.now() - started) / 1000).toFixed(0)} s; ` +
      `${CONNECTIONS} connections, bursts of ${SPEC.messages} x ${SPEC.bytes} B, medians of ${ROUNDS} rounds\n`,
  );
  console.log(resultsTable(rows));
  console.log(`\nAgainst raw ws in this run (lower is better except deliveries/s):\n`);
  console.log(ratiosTable(rows));
  const bad = rows.filter((r) => r.result.lost || r.result.duplicated || r.result.invalid);
  for (const r of bad)
    console.log(
      `\nFAILED: ${LABELS[r.label]}: ${r.result.lost} lost, ${r.result.duplicated} duplicated, ${r.result.invalid} invalid`,
    );
  for (const f of connectFailures) console.log(`\nFAILED: ${f}`);
  const ok = bad.length === 0 && connectFailures.length === 0;
  if (ok) console.log('\nOK: every connection got every message of every round exactly once');
  return ok ? 0 : 1;
}

await runBenchmark(main, () => liveTarget);
