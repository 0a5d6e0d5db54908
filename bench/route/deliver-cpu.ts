// Route's CPU per delivered push, alone: a real route service over the Redis store (a key prefix of
// its own) in a child process pinned to CPU 0, stub gates answering Deliver at once and the load
// (standing for logic's push batcher) in this process on CPU 1. The load drives DeliverToUsers
// batches shaped like persisted 1:1 traffic: each push names the sender (its sending device
// excluded) and the recipient. Reports pushes/s, route CPU µs per push, Redis commands per push
// (counted in the route process) and Deliver calls per batch.
// Run: npx tsx bench/route/deliver-cpu.ts   (about 40 s; needs redis-server on 127.0.0.1:6379)
// Flags: --users 2000 --devices 1 --batch 32 --inflight 4 --round-ms 5000 --rounds 3 --bytes 120
//        --cpu-prof DIR (writes the route process's V8 CPU profile there) --no-pin
// Results go in docs/benchmarks.md, section "Route: CPU per delivered push".
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { credentials, Metadata } from '@grpc/grpc-js';
import { loadConfig } from '@switchboard/config';
import { createLogger } from '@switchboard/log';
import { GateServiceService, type DeliverRequest } from '@switchboard/proto/conn';
import { RouteServiceClient } from '@switchboard/proto/route';
import { RedisRouteStore } from '@switchboard/route-store';
import { call, internalClientOptions, startGrpcServer, unary } from '@switchboard/rpc';
import { Redis } from 'ioredis';
import { startRoute } from '@switchboard/route/server';
import { processCpuSeconds } from '../fanout/proc-stats.js';

const { values: args } = parseArgs({
  options: {
    serve: { type: 'boolean', default: false },
    users: { type: 'string', default: '2000' },
    devices: { type: 'string', default: '1' },
    batch: { type: 'string', default: '32' },
    inflight: { type: 'string', default: '4' },
    'round-ms': { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '3' },
    bytes: { type: 'string', default: '120' },
    'cpu-prof': { type: 'string' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
    'no-pin': { type: 'boolean', default: false },
  },
});

const GATES = ['ws-1', 'tcp-1'];

/**
 * The route process: route over RedisRouteStore, counting the Redis commands it sends. Answers
 * `stats` on stdin with `stats <commands>` and `quit` by removing its keys and exiting (so that
 * --cpu-prof is written).
 */
async function serve(): Promise<void> {
  const config = loadConfig({ profile: 'embedded', overrides: { route: { grpcPort: 0 } } });
  const redis = new Redis(args.redis!, { maxRetriesPerRequest: 2 });
  let commands = 0;
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = ((command, stream) => {
    commands++;
    return send(command, stream);
  }) as Redis['sendCommand'];
  const store = new RedisRouteStore({ client: redis, prefix: `sbbench:route:${randomUUID()}` });
  const route = await startRoute({
    config,
    logger: createLogger({ level: 'warn', service: 'route' }),
    store,
  });
  console.log(`port ${route.grpcPort} secret ${config.internal.secret}`);
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line === 'stats') console.log(`stats ${commands}`);
    if (line === 'quit') {
      void (async () => {
        await route.stop();
        const keys = await redis.keys(store.keys.pattern());
        if (keys.length > 0) await redis.del(...keys);
        await redis.quit();
        process.exit(0);
      })();
    }
  });
}

/** A gate that answers every Deliver at once and counts calls and targets. */
async function stubGate(secret: string) {
  const seen = { calls: 0, targets: 0 };
  const server = await startGrpcServer(
    '127.0.0.1',
    0,
    [
      {
        definition: GateServiceService,
        implementation: {
          deliver: unary(async (req: DeliverRequest) => {
            let targets = 0;
            for (const d of req.deliveries) targets += d.targets.length;
            seen.calls++;
            seen.targets += targets;
            return { delivered: targets, missing: 0 };
          }),
        },
      },
    ],
    { secret },
  );
  return { server, seen, address: `127.0.0.1:${server.port}` };
}

interface Round {
  pushes: number;
  batches: number;
  seconds: number;
  routeCpu: number;
  commands: number;
  delivers: number;
  targets: number;
}

async function main(): Promise<void> {
  const pin = !args['no-pin'] && cpus().length >= 2;
  if (pin) execFileSync('taskset', ['-pc', '1', String(process.pid)], { stdio: 'ignore' });
  const prof = args['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', args['cpu-prof']] : [];
  const child = spawn(
    pin ? 'taskset' : process.execPath,
    [
      ...(pin ? ['-c', '0', process.execPath] : []),
      ...prof,
      '--import',
      'tsx',
      new URL(import.meta.url).pathname,
      '--serve',
      '--redis',
      args.redis!,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout! });
  const waiters: Array<(line: string) => void> = [];
  lines.on('line', (line) => waiters.shift()?.(line));
  const nextLine = () => new Promise<string>((resolve) => waiters.push(resolve));
  const hello = /^port (\d+) secret (.+)$/.exec(await nextLine());
  if (!hello) throw new Error('the route process did not start');
  const [, port, secret] = hello as unknown as [string, string, string];
  const commandCount = async () => {
    child.stdin!.write('stats\n');
    return Number((await nextLine()).split(' ')[1]);
  };

  const client = new RouteServiceClient(
    `127.0.0.1:${port}`,
    credentials.createInsecure(),
    internalClientOptions(secret),
  );
  const rpc = <Req, Res>(method: (...a: never[]) => unknown, req: Req) =>
    call<Req, Res>(client, method as never, req, new Metadata(), 10_000);
  const gates = await Promise.all(GATES.map(() => stubGate(secret)));
  const renew = () =>
    Promise.all(
      GATES.map((gateId, i) =>
        rpc(client.renewLease, {
          gateId,
          bootId: `boot-${gateId}`,
          grpcAddress: gates[i]!.address,
          ttlMs: 60_000,
        }),
      ),
    );
  await renew();
  const renewing = setInterval(() => void renew(), 10_000);

  const users = Number(args.users);
  const devices = Number(args.devices);
  console.log(`[route] binding ${users} users × ${devices} devices over ${GATES.length} gates`);
  let connId = 0;
  for (let u = 0; u < users; u += 100) {
    const binds: Promise<unknown>[] = [];
    for (let i = u; i < Math.min(users, u + 100); i++) {
      for (let d = 0; d < devices; d++) {
        const gateId = GATES[(i + d) % GATES.length]!;
        binds.push(
          rpc(client.bind, {
            appId: 'bench',
            userId: `u${i}`,
            deviceId: `d${d}`,
            gateId,
            gateBootId: `boot-${gateId}`,
            connId: ++connId,
            platform: 'bench',
          }),
        );
      }
    }
    await Promise.all(binds);
  }

  const batchSize = Number(args.batch);
  const packet = Buffer.alloc(Number(args.bytes), 120);
  /** A batch of 1:1 pushes between random pairs: the sender's other devices and the recipient. */
  const batch = () => {
    const packets = [];
    for (let i = 0; i < batchSize; i++) {
      const sender = Math.floor(Math.random() * users);
      const recipient = (sender + 1 + Math.floor(Math.random() * (users - 1))) % users;
      packets.push({
        userIds: [`u${sender}`, `u${recipient}`],
        packet,
        excludeUserId: `u${sender}`,
        excludeDeviceId: 'd0',
      });
    }
    return { appId: 'bench', packets };
  };
  const run = async (): Promise<Round> => {
    const end = performance.now() + Number(args['round-ms']);
    const cpu0 = processCpuSeconds(child.pid!) ?? 0;
    const commands0 = await commandCount();
    const delivers0 = gates.reduce((n, g) => n + g.seen.calls, 0);
    const targets0 = gates.reduce((n, g) => n + g.seen.targets, 0);
    let batches = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: Number(args.inflight) }, async () => {
        while (performance.now() < end) {
          await rpc(client.deliverToUsers, batch());
          batches++;
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const routeCpu = (processCpuSeconds(child.pid!) ?? 0) - cpu0;
    return {
      pushes: batches * batchSize,
      batches,
      seconds,
      routeCpu,
      commands: (await commandCount()) - commands0 - 1,
      delivers: gates.reduce((n, g) => n + g.seen.calls, 0) - delivers0,
      targets: gates.reduce((n, g) => n + g.seen.targets, 0) - targets0,
    };
  };
  const show = (r: Round) =>
    `${(r.pushes / r.seconds).toFixed(0)} pushes/s, route ${((r.routeCpu / r.pushes) * 1e6).toFixed(1)} µs/push, ` +
    `${(r.commands / r.pushes).toFixed(2)} Redis commands/push, ${(r.delivers / r.batches).toFixed(2)} Delivers/batch, ` +
    `${(r.targets / r.pushes).toFixed(2)} targets/push`;

  console.log(
    `[route] batches of ${batchSize} pushes, ${args.inflight} in flight, ${args.rounds} rounds of ${args['round-ms']} ms; ` +
      `${cpus().length} CPUs, load average ${loadavg()[0]!.toFixed(2)}${pin ? '' : ' (not pinned)'}`,
  );
  console.log(`[route] warm-up: ${show(await run())}`);
  const rounds: Round[] = [];
  for (let i = 0; i < Number(args.rounds); i++) {
    const r = await run();
    rounds.push(r);
    console.log(`[route] round ${i + 1}: ${show(r)}`);
  }
  const sum = (f: (r: Round) => number) => rounds.reduce((n, r) => n + f(r), 0);
  const total: Round = {
    pushes: sum((r) => r.pushes),
    batches: sum((r) => r.batches),
    seconds: sum((r) => r.seconds),
    routeCpu: sum((r) => r.routeCpu),
    commands: sum((r) => r.commands),
    delivers: sum((r) => r.delivers),
    targets: sum((r) => r.targets),
  };
  console.log(
    `\n${new Date().toISOString().slice(0, 16)}Z, load average ${loadavg()[0]!.toFixed(2)} at the end`,
  );
  console.log(`[route] all rounds: ${show(total)}`);
  if (total.targets !== total.pushes * 2 * devices - total.pushes) {
    console.error(`[route] FAILED: expected ${2 * devices - 1} targets per push`);
    process.exitCode = 1;
  }

  clearInterval(renewing);
  client.close();
  child.stdin!.write('quit\n');
  await new Promise((resolve) => child.once('exit', resolve));
  await Promise.all(gates.map((g) => g.server.stop(100)));
}

if (args.serve) await serve();
else await main();
