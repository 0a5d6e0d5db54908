// WebSocket fan-out benchmark: raw `ws`, Socket.IO and Switchboard's ws-conn side by side, each in
// its own process, against the same load generators, in one run. For each server: connect N
// clients, measure idle memory per connection, push bursts of M payloads to all of them (then M
// payloads one at a time, paced), and report deliveries/s, latency and server CPU per delivery,
// with ratios against raw ws.
// Run: npx tsx bench/fanout/run.ts --clients 5000 --messages 20   (about 2 minutes on 2 cores)
// Results go in docs/benchmarks.md, section "WebSocket fan-out".
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Child, liveChildren } from './child.js';
import { SERVER_KINDS, type LoadOptions, type ServerKind } from './ipc.js';
import { readRss } from './proc-stats.js';
import { burstTable, KIND_LABELS, pacedTable, ratioTable, type KindResult } from './report.js';
import {
  describeRound,
  pushRound,
  summarize,
  type Load,
  type RoundResult,
  type RoundSpec,
  type Server,
} from './rounds.js';

const { values: args } = parseArgs({
  options: {
    clients: { type: 'string', default: '5000' },
    messages: { type: 'string', default: '20' },
    bytes: { type: 'string', default: '1024' },
    rounds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    'pace-ms': { type: 'string', default: '100' },
    'paced-rounds': { type: 'string', default: '2' },
    'load-procs': { type: 'string' },
    concurrency: { type: 'string', default: '50' },
    kinds: { type: 'string', default: SERVER_KINDS.join(',') },
    'no-pin': { type: 'boolean', default: false },
    'round-timeout-s': { type: 'string', default: '60' },
    'deadline-s': { type: 'string', default: '600' },
  },
});

const CLIENTS = Number(args.clients);
const ROUNDS = Number(args.rounds);
const WARMUP = Number(args.warmup);
const PACED_ROUNDS = Number(args['paced-rounds']);
// One process holds at most ~20k open files here; 8k clients per load process leaves room.
const LOAD_PROCS = Number(args['load-procs'] ?? Math.max(2, Math.ceil(CLIENTS / 8000)));
const CONCURRENCY = Number(args.concurrency);
const KINDS = args.kinds.split(',').map((k) => {
  if (!(SERVER_KINDS as readonly string[]).includes(k))
    throw new Error(`unknown kind ${k}; use ${SERVER_KINDS}`);
  return k as ServerKind;
});
const PIN = !args['no-pin'] && cpus().length >= 2;
const DEADLINE_MS = Number(args['deadline-s']) * 1000;
const BURST: RoundSpec = {
  messages: Number(args.messages),
  bytes: Number(args.bytes),
  paceMs: 0,
  timeoutMs: Number(args['round-timeout-s']) * 1000,
};
const PACED: RoundSpec = { ...BURST, paceMs: Number(args['pace-ms']) };
if (BURST.bytes < 12) throw new Error('--bytes must be at least 12 (the payload tail holds seq and stamp)');

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line: string) => console.log(`[fanout] ${line}`);

/** Server RSS and heap after a full GC. */
async function memory(server: Server): Promise<{ rss: number; heap: number; connections: number }> {
  server.send({ t: 'mem' });
  const m = await server.next('mem', 30_000);
  return { rss: readRss(server.pid), heap: m.heapUsed, connections: m.connections };
}

async function connectAll(kind: ServerKind, url: string): Promise<Load[]> {
  const loads: Load[] = [];
  const connected = new Array<number>(LOAD_PROCS).fill(0);
  for (let i = 0; i < LOAD_PROCS; i++) {
    const share = Math.floor(CLIENTS / LOAD_PROCS) + (i < CLIENTS % LOAD_PROCS ? 1 : 0);
    const options: LoadOptions = { kind, url, clients: share, name: `l${i}`, concurrency: CONCURRENCY };
    const load: Load = Child.start(`load-${i}`, here('./load.ts'), [JSON.stringify(options)], {
      cpu: PIN ? '1' : undefined,
    });
    load.on('progress', (p) => (connected[i] = p.connected));
    loads.push(load);
  }
  const total = () => connected.reduce((a, b) => a + b, 0);
  const progress = setInterval(() => log(`${kind}: ${total()}/${CLIENTS} connected`), 2000);
  try {
    const done = await Promise.all(loads.map((l) => l.next('connected', 300_000)));
    const failed = done.reduce((a, d) => a + d.failed, 0);
    if (failed > 0) log(`${kind}: ${failed} clients failed to connect`);
  } finally {
    clearInterval(progress);
  }
  return loads;
}

async function rounds(
  kind: ServerKind,
  phase: string,
  server: Server,
  loads: Load[],
  clients: number,
  spec: RoundSpec,
  warmup: number,
  measured: number,
): Promise<RoundResult> {
  const results: RoundResult[] = [];
  for (let i = 0; i < warmup + measured; i++) {
    const r = await pushRound(server, loads, clients, spec);
    log(`${kind} ${phase} ${i < warmup ? 'warm-up' : `${i - warmup + 1}/${measured}`}: ${describeRound(r)}`);
    if (i >= warmup) results.push(r);
    await sleep(300);
  }
  return summarize(results);
}

async function benchKind(kind: ServerKind): Promise<KindResult> {
  log(`${kind}: starting server`);
  const server: Server = Child.start(`server-${kind}`, here(`./server-${kind}.ts`), [], {
    cpu: PIN ? '0' : undefined,
    exposeGc: true,
  });
  let loads: Load[] = [];
  try {
    const ready = await server.next('ready', 60_000);
    await sleep(500);
    const before = await memory(server);
    // socket.io-client takes the server's origin and adds its own path.
    const path = kind === 'socketio' ? '' : ready.path;
    loads = await connectAll(kind, `ws://127.0.0.1:${ready.port}${path}`);
    // Let the server settle (sign-in bookkeeping, handshake garbage) before measuring.
    await sleep(1500);
    const after = await memory(server);
    const clients = after.connections;
    if (clients === 0) throw new Error(`${kind}: no client connected`);
    const rssPerConnBytes = (after.rss - before.rss) / clients;
    const heapPerConnBytes = (after.heap - before.heap) / clients;
    log(
      `${kind}: ${clients} connections; idle RSS ${(rssPerConnBytes / 1024).toFixed(1)} KiB/conn, ` +
        `heap ${(heapPerConnBytes / 1024).toFixed(1)} KiB/conn`,
    );
    const burst = await rounds(kind, 'burst', server, loads, clients, BURST, WARMUP, ROUNDS);
    const paced =
      PACED.paceMs > 0 && PACED_ROUNDS > 0
        ? await rounds(kind, `paced ${PACED.paceMs} ms`, server, loads, clients, PACED, 0, PACED_ROUNDS)
        : undefined;
    return { kind, clients, rssPerConnBytes, heapPerConnBytes, burst, paced };
  } finally {
    await Promise.all(loads.map((l) => l.stop({ t: 'stop' }, 5_000)));
    await server.stop({ t: 'stop' }, 10_000);
  }
}

function killAll(): void {
  for (const proc of liveChildren) proc.kill('SIGKILL');
}

async function main(): Promise<void> {
  const deadline = setTimeout(() => {
    log(`deadline of ${DEADLINE_MS / 1000} s passed; stopping`);
    killAll();
    process.exit(2);
  }, DEADLINE_MS);
  process.on('SIGINT', () => (killAll(), process.exit(130)));
  const started = Date.now();
  const loadBefore = loadavg()[0]!;
  log(
    `${CLIENTS} clients; bursts of ${BURST.messages} x ${BURST.bytes} B (${WARMUP} warm-up + ${ROUNDS} rounds), ` +
      `then ${PACED_ROUNDS} rounds paced ${PACED.paceMs} ms; ${LOAD_PROCS} load processes; ` +
      (PIN ? 'server on CPU 0, load on CPU 1' : 'not pinned'),
  );
  const results: KindResult[] = [];
  try {
    for (const kind of KINDS) results.push(await benchKind(kind));
  } finally {
    clearTimeout(deadline);
    killAll();
  }

  const cpu = cpus();
  console.log(
    `\n${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpu.length} x ${cpu[0]?.model ?? '?'}, ` +
      `load average ${loadBefore.toFixed(2)} -> ${loadavg()[0]!.toFixed(2)}, ${((Date.now() - started) / 1000).toFixed(0)} s; ` +
      `${CLIENTS} clients, ${BURST.messages} x ${BURST.bytes} B; medians of ${ROUNDS} burst and ${PACED_ROUNDS} paced rounds`,
  );
  console.log(`\nBurst (all ${BURST.messages} messages at once):\n\n${burstTable(results)}`);
  if (PACED.paceMs > 0 && PACED_ROUNDS > 0) {
    console.log(`\nPaced (one message every ${PACED.paceMs} ms):\n\n${pacedTable(results)}`);
  }
  console.log(
    `\nRatios against raw ws in this run (lower is better except deliveries/s):\n\n${ratioTable(results)}`,
  );
  for (const r of results) {
    for (const [phase, x] of [['burst', r.burst] as const, ['paced', r.paced] as const]) {
      if (x && (x.lost || x.duplicated || x.outOfOrder || x.invalid)) {
        console.log(
          `\n${KIND_LABELS[r.kind]} ${phase}: ${x.lost} lost, ${x.duplicated} duplicated, ` +
            `${x.outOfOrder} out of order, ${x.invalid} invalid`,
        );
      }
    }
  }
}

await main();
