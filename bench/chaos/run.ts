// The long chaos run: the local cluster on MariaDB and a Redis of its own, users chatting through
// clients that follow docs/protocol.md, and a fault every few seconds for minutes: SIGKILL of a
// gate, a logic and a route instance (each restarted under the same name), a Redis restart that
// loses every key, and graceful gate rollouts, in turn. At the end every inbox is checked against
// the acknowledged sends. tests/e2e/chaos.spec.ts is the CI-sized version of the same run.
// Run: npx tsx bench/chaos/run.ts   (about 4 minutes; needs MariaDB at --mysql, root, no password)
// Flags: --users 40 --duration-ms 180000 --send-every-ms 200 --fault-every-ms 8000
//        --ws 2 --tcp 2 --logic 2 --route 2. Exits non-zero when anything was lost or doubled.
//        --compiled: the services built first (scripts/build-app.mjs) and run from dist/apps with
//        plain node, as deployed (restarts too), instead of from source through tsx.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createScratchMysqlDatabase, DEFAULT_MYSQL_SERVER_URI } from '@switchboard/storage';
import {
  buildApps,
  clusterApps,
  formatChaosReport,
  runChaos,
  ScratchRedis,
  startCluster,
  testToken,
  type ChaosEvent,
  type Cluster,
} from '@switchboard/testing';

const { values: args } = parseArgs({
  options: {
    mysql: { type: 'string', default: DEFAULT_MYSQL_SERVER_URI },
    users: { type: 'string', default: '40' },
    'duration-ms': { type: 'string', default: '180000' },
    'send-every-ms': { type: 'string', default: '200' },
    'fault-every-ms': { type: 'string', default: '8000' },
    ws: { type: 'string', default: '2' },
    tcp: { type: 'string', default: '2' },
    logic: { type: 'string', default: '2' },
    route: { type: 'string', default: '2' },
    compiled: { type: 'boolean', default: false },
  },
});
const num = (name: keyof typeof args): number => {
  const n = Number(args[name]);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name}: expected a positive integer`);
  return n;
};

const secret = randomBytes(24).toString('base64url');
const db = await createScratchMysqlDatabase(args.mysql, 'sb_chaos_bench');
const redis = await ScratchRedis.start();
let cluster: Cluster | undefined;
const cleanup = async () => {
  await cluster?.stop(5_000);
  await redis.stop();
  await db.drop();
};
process.once('SIGINT', () => {
  console.log('interrupted: stopping the cluster');
  void cleanup().then(() => process.exit(130));
});

try {
  if (args.compiled) {
    await buildApps(clusterApps({ ws: num('ws'), tcp: num('tcp') }), (line) =>
      console.log(`[build] ${line}`),
    );
  }
  console.log(`starting the cluster${args.compiled ? ' (compiled)' : ''} ...`);
  cluster = await startCluster({
    compiled: args.compiled,
    ws: num('ws'),
    tcp: num('tcp'),
    logic: num('logic'),
    route: num('route'),
    mysqlUri: db.uri,
    redisUrl: redis.url,
    prefix: `sbchaos-${randomBytes(4).toString('hex')}`,
    app: { id: 'chaos', secret },
    env: { SWITCHBOARD_GATE__LEASE_TTL_MS: '3000', SWITCHBOARD_GATE__LEASE_RENEW_MS: '500' },
  });
  const c = cluster;
  const names = (prefix: string) => c.services.filter((s) => s.name.startsWith(prefix)).map((s) => s.name);
  const gates = [...names('ws-'), ...names('tcp-')];
  const pick = (list: string[]) => list[Math.floor(Math.random() * list.length)] as string;
  const kinds: Array<() => [string, () => Promise<void>]> = [
    () => {
      const g = pick(gates);
      return [`SIGKILL ${g}`, () => c.restart(g, { downMs: 500 })];
    },
    () => {
      const l = pick(names('logic-'));
      return [`SIGKILL ${l}`, () => c.restart(l, { downMs: 1_000 })];
    },
    () => {
      const r = pick(names('route-'));
      return [`SIGKILL ${r}`, () => c.restart(r, { downMs: 1_000 })];
    },
    () => [
      'Redis restarted empty',
      async () => {
        await redis.kill();
        await new Promise((r) => setTimeout(r, 1_000));
        await redis.restart();
      },
    ],
    () => {
      const g = pick(gates);
      return [`rollout ${g}`, () => c.restart(g, { signal: 'SIGTERM' })];
    },
  ];
  const every = num('fault-every-ms');
  const duration = num('duration-ms');
  const events: ChaosEvent[] = [];
  for (let at = every, i = 0; at < duration - every / 2; at += every, i++) {
    const [name, run] = (kinds[i % kinds.length] as () => [string, () => Promise<void>])();
    events.push({ atMs: at, name, run });
  }
  const report = await runChaos(
    {
      urls: () => [...c.tcpUrls, ...c.wsUrls],
      token: (user) => testToken('chaos', user, secret, '2h'),
    },
    {
      users: num('users'),
      durationMs: duration,
      sendEveryMs: num('send-every-ms'),
      events,
      progress: (line) => console.log(line),
    },
  );
  console.log(`\nresult: ${formatChaosReport(report)}`);
  const ok =
    report.lost === 0 &&
    report.duplicated === 0 &&
    report.outOfOrder === 0 &&
    report.unexplained === 0 &&
    report.unacked === 0;
  console.log(ok ? 'OK: every inbox holds exactly the acknowledged messages, in order, once' : 'FAILED');
  process.exitCode = ok ? 0 : 1;
} finally {
  await cleanup();
}
