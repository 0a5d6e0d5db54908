// Route's CPU per delivered push, alone: real route services over the Redis store (a key prefix of
// the run's own) in child processes pinned to CPU 0, stub gates answering Deliver at once and the
// load (standing for logic's push batcher) in this process on CPU 1. The load drives DeliverToUsers
// batches shaped like persisted 1:1 traffic: each push names the sender (its sending device
// excluded) and the recipient. Two route processes share the store, one per way of looking the users
// up (`--mode per-user`: one HGETALL per user, as on Redis Cluster and as before issue 9;
// `--mode one-script`: one script per batch, single Redis), and rounds alternate between them so both
// see the same box. Reports pushes/s, route CPU µs per push, Redis commands per push (counted in
// the route process) and Deliver calls per batch, and the ratios.
// Run: npx tsx bench/route/deliver-cpu.ts   (about 1 minute; needs redis-server on 127.0.0.1:6379)
// Flags: --users 2000 --devices 1 --batch 32 --inflight 4 --round-ms 5000 --rounds 3 --bytes 120
//        --mode both|per-user|one-script --cpu-prof DIR (V8 CPU profiles of the route processes over
//        the measured rounds; summary: npx tsx bench/signin/profile-summary.ts DIR)
//        --redis URL --no-pin
// Results go in docs/benchmarks.md, section "Route: CPU per delivered push".
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { credentials, Metadata } from '@grpc/grpc-js';
import { loadConfig } from '@switchboard/config';
import { createLogger } from '@switchboard/log';
import { GateServiceService, type DeliverRequest } from '@switchboard/proto/conn';
import { RouteServiceClient } from '@switchboard/proto/route';
import { RedisRouteStore, type RedisRouteClient } from '@switchboard/route-store';
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
    mode: { type: 'string', default: 'both' },
    prefix: { type: 'string' },
    'no-pin': { type: 'boolean', default: false },
  },
});

const GATES = ['ws-1', 'tcp-1'];
const SECRET = 'route-deliver-bench-secret-of-32-characters';

/** How a route process reads the users of a delivery: one HGETALL each, or one script per batch. */
type Mode = 'per-user' | 'one-script';
const MODES: Mode[] = ['per-user', 'one-script'];
const MODE_NAMES: Record<Mode, string> = {
  'per-user': 'one HGETALL per user (before; Redis Cluster)',
  'one-script': 'one script per batch (single Redis)',
};

/**
 * The route process: route over RedisRouteStore, counting the Redis commands it sends. Answers
 * `stats` on stdin with `stats <commands>` and `quit` by removing its keys and exiting (so that
 * --cpu-prof is written).
 */
async function serve(): Promise<void> {
  // One secret for every route process: the stub gates accept one.
  const config = loadConfig({
    profile: 'embedded',
    overrides: {
      route: { grpcPort: 0, health: { enabled: false, port: 0 } },
      internal: { secret: SECRET },
    },
  });
  const redis = new Redis(args.redis!, { maxRetriesPerRequest: 2 });
  let commands = 0;
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = ((command, stream) => {
    commands++;
    return send(command, stream);
  }) as Redis['sendCommand'];
  const store = new RedisRouteStore({
    client: args.mode === 'per-user' ? withoutClusterFlag(redis) : redis,
    prefix: args.prefix!,
  });
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

/**
 * The client with only the methods the store uses and no `isCluster`: the store then reads each
 * user with its own HGETALL, as it does on Redis Cluster and as every lookup did before issue 9.
 */
function withoutClusterFlag(redis: Redis): RedisRouteClient {
  const methods = [
    'evalsha',
    'eval',
    'hincrby',
    'hget',
    'hgetall',
    'hset',
    'sadd',
    'srem',
    'smembers',
    'scard',
    'del',
  ] as const;
  return Object.fromEntries(
    methods.map((m) => [m, (redis[m] as (...a: unknown[]) => unknown).bind(redis)]),
  ) as unknown as RedisRouteClient;
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
  mode: Mode;
  pushes: number;
  batches: number;
  seconds: number;
  routeCpu: number;
  commands: number;
  delivers: number;
  targets: number;
}

/** A route process of one lookup mode, and the line protocol to it. */
interface RouteProcess {
  mode: Mode;
  pid: number;
  port: number;
  secret: string;
  client: RouteServiceClient;
  commandCount(): Promise<number>;
  quit(): Promise<void>;
}

async function spawnRoute(mode: Mode, prefix: string, pin: boolean): Promise<RouteProcess> {
  const profDir = args['cpu-prof'];
  const prof = profDir ? ['--import', new URL('../signin/cpu-profile.mjs', import.meta.url).pathname] : [];
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
      '--prefix',
      prefix,
      '--mode',
      mode,
    ],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: profDir ? { ...process.env, SB_CPU_PROF_DIR: profDir } : process.env,
    },
  );
  const waiters: Array<(line: string) => void> = [];
  createInterface({ input: child.stdout! }).on('line', (line) => waiters.shift()?.(line));
  const nextLine = () => new Promise<string>((resolve) => waiters.push(resolve));
  const hello = /^port (\d+) secret (.+)$/.exec(await nextLine());
  if (!hello) throw new Error('the route process did not start');
  const [, port, secret] = hello as unknown as [string, string, string];
  return {
    mode,
    pid: child.pid!,
    port: Number(port),
    secret,
    client: new RouteServiceClient(
      `127.0.0.1:${port}`,
      credentials.createInsecure(),
      internalClientOptions(secret),
    ),
    commandCount: async () => {
      child.stdin!.write('stats\n');
      return Number((await nextLine()).split(' ')[1]);
    },
    quit: async () => {
      child.stdin!.write('quit\n');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

async function main(): Promise<void> {
  const pin = !args['no-pin'] && cpus().length >= 2;
  if (pin) execFileSync('taskset', ['-pc', '1', String(process.pid)], { stdio: 'ignore' });
  if (args['cpu-prof']) mkdirSync(args['cpu-prof'], { recursive: true });
  const modes = args.mode === 'both' ? MODES : [args.mode as Mode];
  // Short, like production's `sb`: key bytes are part of what each lookup writes to Redis.
  const prefix = `sbbench:${randomUUID().slice(0, 8)}`;
  const routes = await Promise.all(modes.map((mode) => spawnRoute(mode, prefix, pin)));
  const first = routes[0]!;
  const secret = first.secret;
  const rpc = <Req, Res>(route: RouteProcess, method: (...a: never[]) => unknown, req: Req) =>
    call<Req, Res>(route.client, method as never, req, new Metadata(), 10_000);
  const gates = await Promise.all(GATES.map(() => stubGate(secret)));
  // Every route process shares the store, so leases and bindings made through one serve all.
  const renew = () =>
    Promise.all(
      GATES.map((gateId, i) =>
        rpc(first, first.client.renewLease, {
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
          rpc(first, first.client.bind, {
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
  const NO_MESSAGE = Buffer.alloc(0);
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
        message: NO_MESSAGE,
        seqs: [],
      });
    }
    return { appId: 'bench', packets };
  };
  const run = async (route: RouteProcess): Promise<Round> => {
    const end = performance.now() + Number(args['round-ms']);
    const cpu0 = processCpuSeconds(route.pid) ?? 0;
    const commands0 = await route.commandCount();
    const delivers0 = gates.reduce((n, g) => n + g.seen.calls, 0);
    const targets0 = gates.reduce((n, g) => n + g.seen.targets, 0);
    let batches = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: Number(args.inflight) }, async () => {
        while (performance.now() < end) {
          await rpc(route, route.client.deliverToUsers, batch());
          batches++;
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const routeCpu = (processCpuSeconds(route.pid) ?? 0) - cpu0;
    return {
      mode: route.mode,
      pushes: batches * batchSize,
      batches,
      seconds,
      routeCpu,
      commands: (await route.commandCount()) - commands0,
      delivers: gates.reduce((n, g) => n + g.seen.calls, 0) - delivers0,
      targets: gates.reduce((n, g) => n + g.seen.targets, 0) - targets0,
    };
  };
  const perPush = (r: Round) => ({
    rate: r.pushes / r.seconds,
    cpu: (r.routeCpu / r.pushes) * 1e6,
    commands: r.commands / r.pushes,
    delivers: r.delivers / r.batches,
    targets: r.targets / r.pushes,
  });
  const show = (r: Round) => {
    const p = perPush(r);
    return (
      `${r.mode}: ${p.rate.toFixed(0)} pushes/s, route ${p.cpu.toFixed(1)} µs/push, ` +
      `${p.commands.toFixed(2)} Redis commands/push, ${p.delivers.toFixed(2)} Delivers/batch, ` +
      `${p.targets.toFixed(2)} targets/push`
    );
  };

  console.log(
    `[route] batches of ${batchSize} pushes, ${args.inflight} in flight, ${args.rounds} rounds of ${args['round-ms']} ms ` +
      `per mode (${modes.join(', ')}); ${cpus().length} CPUs, load average ${loadavg()[0]!.toFixed(2)}` +
      (pin ? '' : ' (not pinned)'),
  );
  for (const route of routes) console.log(`[route] warm-up ${show(await run(route))}`);
  // The profiles (--cpu-prof) cover the measured rounds only, not start-up, binds or warm-up.
  const toggleProfilers = () => {
    if (args['cpu-prof']) for (const route of routes) process.kill(route.pid, 'SIGUSR2');
  };
  toggleProfilers();
  const rounds: Round[] = [];
  for (let i = 0; i < Number(args.rounds); i++) {
    for (const route of routes) {
      const r = await run(route);
      rounds.push(r);
      console.log(`[route] round ${i + 1} ${show(r)}`);
    }
  }
  toggleProfilers();
  console.log(
    `\n${new Date().toISOString().slice(0, 16)}Z, load average ${loadavg()[0]!.toFixed(2)} at the end\n`,
  );
  console.log('| route lookup | pushes/s | route CPU µs/push | Redis commands/push | Delivers/batch |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  const totals = new Map<Mode, ReturnType<typeof perPush>>();
  for (const mode of modes) {
    const rs = rounds.filter((r) => r.mode === mode);
    const sum = (f: (r: Round) => number) => rs.reduce((n, r) => n + f(r), 0);
    const total = perPush({
      mode,
      pushes: sum((r) => r.pushes),
      batches: sum((r) => r.batches),
      seconds: sum((r) => r.seconds),
      routeCpu: sum((r) => r.routeCpu),
      commands: sum((r) => r.commands),
      delivers: sum((r) => r.delivers),
      targets: sum((r) => r.targets),
    });
    totals.set(mode, total);
    console.log(
      `| ${MODE_NAMES[mode]} | ${total.rate.toFixed(0)} | ${total.cpu.toFixed(1)} | ${total.commands.toFixed(2)} | ${total.delivers.toFixed(2)} |`,
    );
    if (Math.abs(total.targets - (2 * devices - 1)) > 1e-9) {
      console.error(`[route] FAILED (${mode}): expected ${2 * devices - 1} targets per push`);
      process.exitCode = 1;
    }
  }
  const before = totals.get('per-user');
  const after = totals.get('one-script');
  if (before && after) {
    console.log(
      `| ratio one script / per user | ${(after.rate / before.rate).toFixed(2)}× | ${(after.cpu / before.cpu).toFixed(2)}× | ${(after.commands / before.commands).toFixed(2)}× | |`,
    );
  }

  clearInterval(renewing);
  for (const route of routes) route.client.close();
  // One by one: the last to quit removes the shared keys.
  for (const route of routes) await route.quit();
  await Promise.all(gates.map((g) => g.server.stop(100)));
}

if (args.serve) await serve();
else await main();
