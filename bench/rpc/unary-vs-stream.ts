// One unary call per batch (Deliver, DeliverToUsers, SendBatch with `internal.streams.enabled:
// false`) against the same calls carried as frames on the suite's internal streams (libs/rpc
// streamedClient over the same client, as `internalClient` builds it: two streams over a balanced
// channel, one over GatePool's direct one), for the same batches: GateService.Deliver requests of one MESSAGE push of a `--bytes` body each (route →
// gate). A stub server in a child process pinned to CPU 0 answers at once; the client (this
// process) is pinned to CPU 1. Both use the suite's gRPC setup: startGrpcServer (channel options,
// internal-auth check, InternalStreamService) and balancedChannel (channel options, the `sb-internal-auth` interceptor;
// `--channel direct`: GatePool's plain channel, route → gate, with the same options and interceptor).
// Loads: open loop at each of `--rates` (one call or frame per batch of `--batch` messages, started
// on a schedule whatever the answers) and a closed loop of `--concurrency` callers at the maximum.
// Rounds alternate unary and stream, so both see the same box. Reports messages/s, p50/p99, CPU µs
// per message on each side (process.cpuUsage in each process) and the ratios stream / unary.
// Run: npx tsx bench/rpc/unary-vs-stream.ts   (about 2 minutes; no external services)
// Flags: --rates 250,1000,4000 --concurrency 64 --batch 1 --bytes 100 --round-ms 5000 --rounds 2
//        --max-inflight 1000 (open loop: a request due with that many unanswered is counted failed)
//        --channel balanced|direct --no-closed --no-pin
// Results go in docs/benchmarks.md, section "Issue 9, second session", "Unary calls against one stream".
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Metadata } from '@grpc/grpc-js';
import {
  GateServiceClient,
  GateServiceService,
  type DeliverRequest,
  type DeliverResponse,
} from '@switchboard/proto/conn';
import {
  balancedChannel,
  call,
  GRPC_CHANNEL_OPTIONS,
  internalChannel,
  internalClient,
  internalClientOptions,
  startGrpcServer,
  unary,
} from '@switchboard/rpc';
import { messagePush } from '../../apps/logic/src/client-message.js';
import { cpuMicros } from '../fanout/proc-stats.js';
import { quantile, runClosedLoop, type LoadResult } from '../send/closed-loop.js';
import { canPin, pinProcess } from '../shared/pin.js';
import { runOpenLoop } from './open-loop.js';

const SECRET = 'rpc-stream-bench-secret-of-32-characters';
const TIMEOUT_MS = 5_000;
const { values: args } = parseArgs({
  options: {
    serve: { type: 'boolean', default: false },
    rates: { type: 'string', default: '250,1000,4000' },
    concurrency: { type: 'string', default: '64' },
    'max-inflight': { type: 'string', default: '1000' },
    channel: { type: 'string', default: 'balanced' },
    batch: { type: 'string', default: '1' },
    bytes: { type: 'string', default: '100' },
    'round-ms': { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '2' },
    'no-closed': { type: 'boolean', default: false },
    'no-pin': { type: 'boolean', default: false },
  },
});

/** What the child answers the parent over IPC: its port once listening, then its CPU when asked. */
type ServerMessage = { port: number } | { cpuMicros: number };

/** The stub gate: counts the targets of a Deliver as delivered, for both the unary and the stream form. */
const answer = (r: DeliverRequest): DeliverResponse => {
  let delivered = 0;
  for (const d of r.deliveries) delivered += d.targets.length;
  return { delivered, missing: 0 };
};

async function serve(): Promise<void> {
  const server = await startGrpcServer(
    '127.0.0.1',
    0,
    [
      {
        definition: GateServiceService,
        implementation: { deliver: unary(async (r: DeliverRequest) => answer(r)) },
      },
    ],
    { secret: SECRET },
  );
  process.on('message', () => process.send!({ cpuMicros: cpuMicros() } satisfies ServerMessage));
  process.on('disconnect', () => void server.stop(0).then(() => process.exit(0)));
  process.send!({ port: server.port } satisfies ServerMessage);
}

type Mode = 'unary' | 'stream';
type Load = number | 'closed';

interface Round {
  load: Load;
  mode: Mode;
  result: Omit<LoadResult, 'concurrency'>;
  serverCpu: number;
  clientCpu: number;
}

/** The server's CPU so far (µs), asked over IPC. */
async function serverCpu(child: ChildProcess): Promise<number> {
  child.send('cpu');
  const [m] = (await once(child, 'message')) as [ServerMessage];
  if (!('cpuMicros' in m)) throw new Error('unexpected message from the server');
  return m.cpuMicros;
}

/** A Deliver of `batch` persisted 1:1 pushes, each to one recipient device, as route sends it. */
function deliverRequest(batch: number, bytes: number): DeliverRequest {
  const content = Buffer.alloc(bytes, 120);
  return {
    appId: 'bench',
    bootId: 'boot-0123456789abcdef',
    deliveries: Array.from({ length: batch }, (_, i) => ({
      packet: messagePush(
        {
          messageId: 1_000_000 + i,
          conversation: { type: 'user', id: `u${i}` },
          senderUserId: `u${i}`,
          senderDeviceId: 'd-sender',
          contentType: 'text',
          content,
          sentAt: Date.now(),
          conversationSeq: 1_000 + i,
          clientMsgId: `m-${i}-0123456789`,
        },
        1_000 + i,
      ),
      targets: [{ connId: 10_000 + i, epoch: 3, userId: `u${i + 1}`, deviceId: 'd-receiver', seq: 0 }],
      message: Buffer.alloc(0),
    })),
  };
}

/** The client channel as the services build it: logic's and the gates' (balanced) or route's GatePool (direct). */
function channelTo(address: string): ReturnType<typeof balancedChannel> {
  if (args.channel === 'balanced') return balancedChannel(address, { secret: SECRET });
  if (args.channel !== 'direct') throw new Error('--channel is balanced or direct');
  const plain = internalChannel(undefined);
  return {
    target: address,
    credentials: plain.credentials,
    options: { ...GRPC_CHANNEL_OPTIONS, ...plain.options, ...internalClientOptions(SECRET) },
  };
}

async function main(): Promise<void> {
  const pin = canPin(args['no-pin']);
  const rates = args.rates.split(',').map(Number);
  const batch = Number(args.batch);
  const concurrency = Number(args.concurrency);
  const roundMs = Number(args['round-ms']);
  if (!(batch > 0 && concurrency > 0 && roundMs > 0 && rates.every((r) => r > 0))) {
    throw new Error('--rates, --batch, --concurrency and --round-ms must be positive');
  }
  const child = fork(new URL(import.meta.url).pathname, ['--serve']);
  if (pin) {
    pinProcess(child.pid!, '0');
    pinProcess(process.pid, '1');
  }
  const [ready] = (await once(child, 'message')) as [ServerMessage];
  if (!('port' in ready)) throw new Error('the server did not report its port');
  const channel = channelTo(`127.0.0.1:${ready.port}`);
  const gate = new GateServiceClient(channel.target, channel.credentials, channel.options);
  const stream = internalClient(
    GateServiceService,
    new GateServiceClient(channel.target, channel.credentials, channel.options),
    {
      streams: { enabled: true, perBackend: 1, maxAgeSeconds: 300 },
      backends: 1,
      minStreams: args.channel === 'balanced' ? 2 : 1,
    },
  );
  const request = deliverRequest(batch, Number(args.bytes));
  const check = (r: DeliverResponse) => {
    if (r.delivered !== batch) throw new Error(`delivered ${r.delivered} of ${batch}`);
  };
  const sendOne: Record<Mode, () => Promise<void>> = {
    unary: () => call(gate, gate.deliver, request, new Metadata(), TIMEOUT_MS).then(check),
    stream: () => call(stream, stream.deliver, request, new Metadata(), TIMEOUT_MS).then(check),
  };
  const log = (line: string) => console.log(`[rpc] ${line}`);

  const run = async (load: Load, mode: Mode, ms = roundMs): Promise<Round> => {
    const server0 = await serverCpu(child);
    const client0 = cpuMicros();
    const result =
      load === 'closed'
        ? await runClosedLoop({
            concurrency,
            phases: { warmupMs: 0, measureMs: ms },
            sendOne: () => sendOne[mode](),
          })
        : await runOpenLoop(load, ms, Number(args['max-inflight']), sendOne[mode]);
    const clientCpu = cpuMicros() - client0;
    return { load, mode, result, serverCpu: (await serverCpu(child)) - server0, clientCpu };
  };
  const perMessage = (r: Round[], side: 'serverCpu' | 'clientCpu') =>
    r.reduce((n, x) => n + x[side], 0) / r.reduce((n, x) => n + x.result.completed * batch, 0);

  log(
    `${args.bytes}-byte messages, ${batch} per call/frame, open loop at ${rates.join(', ')} msgs/s` +
      `${args['no-closed'] ? '' : ` and a closed loop of ${concurrency}`}, ${args.rounds} rounds of ` +
      `${roundMs} ms per mode and load, ${args.channel} channel; ${cpus().length} CPUs, load average ${loadavg()[0]!.toFixed(2)}` +
      `${pin ? '' : ' (not pinned)'}`,
  );
  for (const mode of ['unary', 'stream'] as const) await run('closed', mode, 2_000); // warm-up: connection, JIT
  const loads: Load[] = [
    ...rates.map((r) => Math.round(r / batch)),
    ...(args['no-closed'] ? [] : ['closed' as const]),
  ];
  const rounds: Round[] = [];
  for (const load of loads) {
    for (let i = 0; i < Number(args.rounds); i++) {
      for (const mode of ['unary', 'stream'] as const) {
        const r = await run(load, mode);
        rounds.push(r);
        const msgs = r.result.completed * batch;
        log(
          `${load === 'closed' ? `closed ${concurrency}` : `${load * batch}/s`} round ${i + 1} ${mode}: ` +
            `${(msgs / r.result.seconds).toFixed(0)} msgs/s, server ${(r.serverCpu / msgs).toFixed(1)} µs/msg, ` +
            `client ${(r.clientCpu / msgs).toFixed(1)} µs/msg${r.result.failed ? `, ${r.result.failed} failed: ${String(r.result.firstError)}` : ''}`,
        );
      }
    }
  }

  console.log(
    `\n${new Date().toISOString().slice(0, 16)}Z, load average ${loadavg()[0]!.toFixed(2)} at the end\n`,
  );
  console.log(
    '| load | mode | msgs/s | p50 (ms) | p99 (ms) | server CPU µs/msg | client CPU µs/msg | failed |',
  );
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const load of loads) {
    const name =
      load === 'closed' ? `closed loop, ${concurrency} in flight` : `${load * batch} msgs/s offered`;
    const row = (mode: Mode) => {
      const rs = rounds.filter((r) => r.load === load && r.mode === mode);
      const lat = rs.flatMap((r) => r.result.latenciesMs).sort((a, b) => a - b);
      return {
        rate:
          rs.reduce((n, r) => n + r.result.completed * batch, 0) /
          rs.reduce((n, r) => n + r.result.seconds, 0),
        p50: quantile(lat, 0.5),
        p99: quantile(lat, 0.99),
        server: perMessage(rs, 'serverCpu'),
        client: perMessage(rs, 'clientCpu'),
        failed: rs.reduce((n, r) => n + r.result.failed, 0),
      };
    };
    const u = row('unary');
    const s = row('stream');
    for (const [mode, x] of [
      ['one unary call per batch', u],
      ['a frame per batch on internal streams', s],
    ] as const) {
      console.log(
        `| ${name} | ${mode} | ${x.rate.toFixed(0)} | ${x.p50.toFixed(2)} | ${x.p99.toFixed(2)} | ` +
          `${x.server.toFixed(1)} | ${x.client.toFixed(1)} | ${x.failed} |`,
      );
    }
    const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
    console.log(
      `| ${name} | ratio stream / unary | ${ratio(s.rate, u.rate)} | ${ratio(s.p50, u.p50)} | ${ratio(s.p99, u.p99)} | ` +
        `${ratio(s.server, u.server)} | ${ratio(s.client, u.client)} | |`,
    );
  }
  stream.close();
  gate.close();
  child.disconnect();
}

if (args.serve) await serve();
else await main();
