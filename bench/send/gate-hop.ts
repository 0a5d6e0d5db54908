// The gate → logic hop on its own: SENDs forwarded one LogicService.Send call each (the gate's
// adapter before issue 9) against the same SENDs gathered per tick into SendBatch calls (the gate's
// grpcLogicPort now). A stub LogicService in a child process pinned to CPU 0 answers at once, so
// what is measured is the gRPC hop (grpc-js, HTTP/2, protobuf) on both sides; the load (this
// process, standing for the gate) is pinned to CPU 1. Rounds alternate unary and batched, so both
// see the same box. Closed loop: `--concurrency` senders, each sending again when answered.
// Run: npx tsx bench/send/gate-hop.ts   (about 1 minute; no external services)
// Flags: --concurrency 256 --round-ms 5000 --rounds 3 --bytes 100 --no-pin
// Results go in docs/benchmarks.md, section "Gate → logic hop (SendBatch)".
import { execFileSync, spawn } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { credentials, Metadata } from '@grpc/grpc-js';
import { grpcLogicPort } from '@switchboard/gate';
import { LogicServiceClient, LogicServiceService, type SendRequest } from '@switchboard/proto/logic';
import { call, internalClientOptions, startGrpcServer, unary } from '@switchboard/rpc';
import { processCpuSeconds } from '../fanout/proc-stats.js';

const SECRET = 'gate-hop-bench-secret-of-32-characters';
const { values: args } = parseArgs({
  options: {
    serve: { type: 'boolean', default: false },
    concurrency: { type: 'string', default: '256' },
    'round-ms': { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '3' },
    bytes: { type: 'string', default: '100' },
    'no-pin': { type: 'boolean', default: false },
  },
});

const answer = { response: { messageId: 1, seq: 1, sentAt: 1, conversationSeq: 1 } };

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
  const unaryPort = (r: SendRequest) => call(client, client.send, r, new Metadata(), 5_000);
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
  const run = async (mode: Round['mode']): Promise<Round> => {
    const send = mode === 'unary' ? unaryPort : (r: SendRequest) => batched.send(r);
    let sends = 0;
    const end = performance.now() + roundMs;
    const logic0 = processCpuSeconds(child.pid!) ?? 0;
    const gate0 = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async (_, i) => {
        const r = request(i);
        while (performance.now() < end) {
          await send(r);
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
        `[gate-hop] round ${i + 1} ${mode}: ${(r.sends / r.seconds).toFixed(0)} sends/s, ` +
          `logic ${((r.logicCpu / r.sends) * 1e6).toFixed(1)} µs/send, gate ${((r.gateCpu / r.sends) * 1e6).toFixed(1)} µs/send`,
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
  console.log('| gate → logic | sends/s | logic CPU µs/send | gate CPU µs/send |');
  console.log('| --- | ---: | ---: | ---: |');
  console.log(
    `| one Send call per SEND (before) | ${u.rate.toFixed(0)} | ${u.logic.toFixed(1)} | ${u.gate.toFixed(1)} |`,
  );
  console.log(
    `| SendBatch per tick (now) | ${b.rate.toFixed(0)} | ${b.logic.toFixed(1)} | ${b.gate.toFixed(1)} |`,
  );
  console.log(
    `| ratio now / before | ${(b.rate / u.rate).toFixed(2)}× | ${(b.logic / u.logic).toFixed(2)}× | ${(b.gate / u.gate).toFixed(2)}× |`,
  );
  client.close();
  child.kill();
}

if (args.serve) await serve();
else await main();
