// Route's RedisRouteStore binds alone, in this process: N binds of new devices on one live gate,
// --inflight made at a time (as BindMany calls bring them), against the Redis on this machine under
// a scratch key prefix deleted at the end. Prints binds/s and this process's CPU per bind (Redis's
// own CPU is not in it): route's share of a sign-in without gRPC. Before/after runs go back to back
// in two worktrees:
//   npx tsx bench/signin/route-bind-cpu.ts [--binds 20000] [--inflight 500] [--cluster-steps]
// --cluster-steps makes the store bind as on Redis Cluster (one slot per step: four commands a bind).
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { RedisRouteStore, type RedisRouteClient } from '@switchboard/route-store';
import { deleteRedisKeys } from '@switchboard/testing';

const { values: args } = parseArgs({
  options: {
    binds: { type: 'string', default: '20000' },
    inflight: { type: 'string', default: '500' },
    'cluster-steps': { type: 'boolean', default: false },
    'redis-url': { type: 'string', default: 'redis://127.0.0.1:6379' },
  },
});
const N = Number(args.binds);
const INFLIGHT = Number(args.inflight);
const redis = new Redis(args['redis-url'], { maxRetriesPerRequest: 1 });
// A client that does not say it is a single Redis gets the Cluster-safe steps.
const client: RedisRouteClient = args['cluster-steps']
  ? new Proxy(redis, {
      get: (target, prop) => {
        if (prop === 'isCluster') return undefined;
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    })
  : redis;
const prefix = `sb-route-bind-cpu-${randomUUID()}`;
const store = new RedisRouteStore({ client, prefix });
try {
  await store.renewGate({ gateId: 'g1', bootId: 'b1', grpcAddress: '127.0.0.1:1' }, 600_000);
  const bindsFrom = async (first: number, count: number) => {
    const binds = [];
    for (let i = first; i < first + count; i++) {
      binds.push(
        store.bind({
          appId: 'bench',
          userId: `u${i}`,
          deviceId: 'd',
          gateId: 'g1',
          gateBootId: 'b1',
          connId: String(i),
          platform: 'ios',
          boundAt: Date.now(),
        }),
      );
    }
    await Promise.all(binds);
  };
  await bindsFrom(N, INFLIGHT); // warm-up: scripts loaded, code compiled
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let at = 0; at < N; at += INFLIGHT) await bindsFrom(at, Math.min(INFLIGHT, N - at));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  console.log(
    `[route-bind-cpu] ${args['cluster-steps'] ? 'cluster steps' : 'single Redis'}: ${N} binds, ` +
      `${INFLIGHT} at a time: ${Math.round(N / seconds)}/s, ` +
      `${Math.round((cpu.user + cpu.system) / N)} µs CPU per bind in this process`,
  );
} finally {
  await deleteRedisKeys(args['redis-url'], prefix);
  redis.disconnect();
}
