// The gate → logic hop on its own: SENDs forwarded one LogicService.Send call each (the gate's
// adapter before issue 9) against the same SENDs gathered per tick into SendBatch calls (the gate's
// grpcLogicPort now); with `--kind signin`, SIGN_INs as SignIn calls against SignInBatch calls.
// A stub LogicService in a child process pinned to CPU 0 answers at once, so
// what is measured is the gRPC hop (grpc-js, HTTP/2, protobuf) on both sides; the load (this
// process, standing for the gate) is pinned to CPU 1. Rounds alternate unary and batched, so both
// see the same box. Closed loop: `--concurrency` senders, each sending again when answered.
// Run: npx tsx bench/send/gate-hop.ts   (about 1 minute; no external services)
// Flags: --kind send|signin --concurrency 256 --round-ms 5000 --rounds 3 --bytes 100 --no-pin
// Results go in docs/benchmarks.md, section "Gate → logic hop (SendBatch)".
import { execFileSync, spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { credentials, Metadata } from '@grpc/grpc-js';
import { grpcLogicPort } from '@switchboard/gate';
import {
  LogicServiceClient,
  LogicServiceService,
  type SendRequest,
  type SignInRequest,
} from '@switchboard/proto/logic';
import { call, internalClientOptions, startGrpcServer, unary } from '@switchboard/rpc';
import { processCpuSeconds } from '../fanout/proc-stats.js';

const SECRET = 'gate-hop-bench-secret-of-32-characters';
/** About the size of an HS256 token a client signs in with (the stub does not check it). */
const TOKEN = `eyJhbGciOiJIUzI1NiJ9.${'x'.repeat(110)}.${'y'.repeat(43)}`;
const { values: args } = parseArgs({
  options: {
    serve: { type: 'boolean', default: false },
    kind: { type: 'string', default: 'send' },
    concurrency: { type: 'string', default: '256' },
    'round-ms': { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '3' },
    bytes: { type: 'string', default: '100' },
    'no-pin': { type: 'boolean', default: false },
  },
});

const answer = { response: { messageId: 1, seq: 1, sentAt: 1, conversationSeq: 1 } };
const signedIn = {
  response: {
    userId: 'u',
    deviceId: 'd',
    maxSeq: 0,
    ackedSeq: 0,
    heartbeatIntervalMs: 30_000,
    serverTime: 1,
  },
  epoch: 1,
  appId: 'bench',
  tags: [],
  serverTags: [],
  rooms: [],
};
if (!['send', 'signin'].includes(args.kind)) throw new Error('--kind is send or signin');
const SIGN_IN = args.kind === 'signin';
/** How the report names one request, and the calls of each mode. */
const UNIT = SIGN_IN ? 'sign-in' : 'send';
const UNARY_LABEL = SIGN_IN ? 'one SignIn call per SIGN_IN (before)' : 'one Send call per SEND (before)';
const BATCH_LABEL = SIGN_IN ? 'SignInBatch per tick (now)' : 'SendBatch per tick (now)';

/** The stub logic: answers every send at once. */
async function serve(): Promise<void> {
  const server = await startGrpcServer(
    '127.0.0.1',
    0,
    [
      {
        definition: LogicServiceService,
        implementation: {
          send: unary(async () => answer),
          sendBatch: unary(async (r: { sends: unknown[] }) => ({
            results: r.sends.map(() => ({ response: answer })),
          })),
          signIn: unary(async () => signedIn),
          signInBatch: unary(async (r: { signIns: unknown[] }) => ({
            results: r.signIns.map(() => ({ response: signedIn })),
          })),
        },
      },
    ],
    { secret: SECRET },
  );
  console.log(`port ${server.port}`);
}

interface Round {
  mode: 'unary' | 'batched';
  sends: number;
  seconds: number;
  logicCpu: number;
  gateCpu: number;
}

async function main(): Promise<void> {
  const pin = !args['no-pin'];
  if (pin) execFileSync('taskset', ['-pc', '1', String(process.pid)], { stdio: 'ignore' });
  const child = spawn(
    pin ? 'taskset' : process.execPath,
    [
      ...(pin ? ['-c', '0', process.execPath] : []),
      '--import',
      'tsx',
      new URL(import.meta.url).pathname,
      '--serve',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^port (\d+)/.exec(line);
      if (m) resolve(Number(m[1]));
    });
  });
  const client = new LogicServiceClient(
    `127.0.0.1:${port}`,
    credentials.createInsecure(),
    internalClientOptions(SECRET),
  );
  const batched = grpcLogicPort(client, 5_000);
  const unarySend = (r: SendRequest) => call(client, client.send, r, new Metadata(), 5_000);
  const unarySignIn = (r: SignInRequest) => call(client, client.signIn, r, new Metadata(), 5_000);
  const concurrency = Number(args.concurrency);
  const roundMs = Number(args['round-ms']);
  const content = Buffer.alloc(Number(args.bytes), 120);
  const request = (i: number): SendRequest => ({
    session: { appId: 'bench', userId: `u${i}`, deviceId: 'd', gateId: 'g', connId: i, epoch: 1 },
    request: {
      clientMsgId: `m${i}`,
      conversation: { type: 1, id: `u${i + 1}` },
      contentType: 'text',
      content,
    },
  });
  const signIn = (i: number): SignInRequest => ({
    request: { appId: 'bench', userId: `u${i}`, deviceId: 'd', token: TOKEN, platform: 'bench', tags: [] },
    gateId: 'g',
    connId: i,
    remoteAddress: '127.0.0.1',
    gateBootId: 'boot',
  });
  /** The request of sender `i` as one call of the mode: a send, or a sign-in with `--kind signin`. */
  const callerOf = (mode: Round['mode'], i: number): (() => Promise<unknown>) => {
    if (SIGN_IN) {
      const r = signIn(i);
      return mode === 'unary' ? () => unarySignIn(r) : () => batched.signIn(r);
    }
    const r = request(i);
    return mode === 'unary' ? () => unarySend(r) : () => batched.send(r);
  };
  const run = async (mode: Round['mode']): Promise<Round> => {
    let sends = 0;
    const end = performance.now() + roundMs;
    const logic0 = processCpuSeconds(child.pid!) ?? 0;
    const gate0 = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async (_, i) => {
        const one = callerOf(mode, i);
        while (performance.now() < end) {
          await one();
          sends++;
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const gate = process.cpuUsage(gate0);
    return {
      mode,
      sends,
      seconds,
      logicCpu: (processCpuSeconds(child.pid!) ?? 0) - logic0,
      gateCpu: (gate.user + gate.system) / 1e6,
    };
  };
  console.log(
    `[gate-hop] ${concurrency} senders, ${args.bytes}-byte bodies, ${args.rounds} rounds of ${roundMs} ms per mode; ` +
      `${cpus().length} CPUs, load average ${loadavg()[0]!.toFixed(2)}${pin ? '' : ' (not pinned)'}`,
  );
  await run('unary'); // warm-up: connection, JIT
  await run('batched');
  const rounds: Round[] = [];
  for (let i = 0; i < Number(args.rounds); i++) {
    for (const mode of ['unary', 'batched'] as const) {
      const r = await run(mode);
      rounds.push(r);
      console.log(
        `[gate-hop] round ${i + 1} ${mode}: ${(r.sends / r.seconds).toFixed(0)} ${UNIT}s/s, ` +
          `logic ${((r.logicCpu / r.sends) * 1e6).toFixed(1)} µs/${UNIT}, gate ${((r.gateCpu / r.sends) * 1e6).toFixed(1)} µs/${UNIT}`,
      );
    }
  }
  const total = (mode: Round['mode']) => {
    const rs = rounds.filter((r) => r.mode === mode);
    const sends = rs.reduce((n, r) => n + r.sends, 0);
    const seconds = rs.reduce((n, r) => n + r.seconds, 0);
    return {
      rate: sends / seconds,
      logic: (rs.reduce((n, r) => n + r.logicCpu, 0) / sends) * 1e6,
      gate: (rs.reduce((n, r) => n + r.gateCpu, 0) / sends) * 1e6,
    };
  };
  const u = total('unary');
  const b = total('batched');
  console.log(
    `\n${new Date().toISOString().slice(0, 16)}Z, load average ${loadavg()[0]!.toFixed(2)} at the end\n`,
  );
  console.log(`| gate → logic | ${UNIT}s/s | logic CPU µs/${UNIT} | gate CPU µs/${UNIT} |`);
  console.log('| --- | ---: | ---: | ---: |');
  console.log(`| ${UNARY_LABEL} | ${u.rate.toFixed(0)} | ${u.logic.toFixed(1)} | ${u.gate.toFixed(1)} |`);
  console.log(`| ${BATCH_LABEL} | ${b.rate.toFixed(0)} | ${b.logic.toFixed(1)} | ${b.gate.toFixed(1)} |`);
  console.log(
    `| ratio now / before | ${(b.rate / u.rate).toFixed(2)}× | ${(b.logic / u.logic).toFixed(2)}× | ${(b.gate / u.gate).toFixed(2)}× |`,
  );
  client.close();
  child.kill();
}

if (args.serve) await serve();
else await main();
