import { randomBytes } from 'node:crypto';
import { createScratchMysqlDatabase, type ScratchMysqlDatabase } from '@switchboard/storage';
import {
  formatChaosReport,
  runChaos,
  ScratchRedis,
  startCluster,
  testToken,
  type ChaosEvent,
  type Cluster,
} from '@switchboard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The CI-sized chaos run (issue 6): the local cluster (2 route, 2 logic, 2 TCP and 1 WebSocket gate,
 * every gate and logic given every upstream) on MariaDB and a Redis of its own, clients that follow
 * docs/protocol.md (InboxClient), and on a schedule: SIGKILL of a gate, of a logic and of a route
 * instance (each restarted by "the supervisor" under the same name), a Redis restart that loses every
 * key, and a graceful rollout of a gate. At the end every client must hold exactly the acknowledged
 * messages, in order, once. `bench/chaos/run.ts` is the longer run.
 */
describe('chaos: faults while users chat (separate processes, MariaDB + Redis)', () => {
  let db: ScratchMysqlDatabase;
  let redis: ScratchRedis;
  let cluster: Cluster;
  const secret = randomBytes(24).toString('base64url');

  beforeAll(async () => {
    db = await createScratchMysqlDatabase(undefined, 'sb_chaos');
    redis = await ScratchRedis.start();
    cluster = await startCluster({
      ws: 1,
      tcp: 2,
      logic: 2,
      route: 2,
      mysqlUri: db.uri,
      redisUrl: redis.url,
      prefix: `sbchaos-${randomBytes(4).toString('hex')}`,
      app: { id: 'chaos', secret },
      env: {
        SWITCHBOARD_GATE__LEASE_TTL_MS: '3000',
        SWITCHBOARD_GATE__LEASE_RENEW_MS: '500',
        SWITCHBOARD_MYSQL__POOL_SIZE: '5',
      },
      readyTimeoutMs: 60_000,
    });
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop(5_000);
    await redis?.stop();
    await db?.drop();
  }, 60_000);

  it('loses nothing acknowledged and shows nothing twice through gate, logic, route and Redis failures', async () => {
    const gateUrls = [...cluster.tcpUrls, ...cluster.wsUrls];
    const events: ChaosEvent[] = [
      { atMs: 3_000, name: 'SIGKILL tcp-1, restarted', run: () => cluster.restart('tcp-1', { downMs: 500 }) },
      {
        atMs: 8_000,
        name: 'SIGKILL logic-1, restarted',
        run: () => cluster.restart('logic-1', { downMs: 1_000 }),
      },
      {
        atMs: 13_000,
        name: 'SIGKILL route-2, restarted',
        run: () => cluster.restart('route-2', { downMs: 1_000 }),
      },
      {
        atMs: 18_000,
        name: 'Redis restarted empty',
        run: async () => {
          await redis.kill();
          await new Promise((r) => setTimeout(r, 1_000));
          await redis.restart();
        },
      },
      {
        atMs: 23_000,
        name: 'graceful rollout of ws-1',
        run: () => cluster.restart('ws-1', { signal: 'SIGTERM' }),
      },
    ];
    const report = await runChaos(
      {
        urls: () => gateUrls,
        token: (user) => testToken('chaos', user, secret, '1h'),
      },
      { users: 16, durationMs: 30_000, sendEveryMs: 150, events, settleMs: 60_000 },
    );
    process.stdout.write(`chaos: ${formatChaosReport(report)}\n`);
    expect(report.events).toHaveLength(events.length);
    expect(report.sent).toBeGreaterThan(500);
    expect(report.unacked).toBe(0);
    expect(report.acked).toBe(report.sent);
    expect(report.lost).toBe(0);
    expect(report.duplicated).toBe(0);
    expect(report.outOfOrder).toBe(0);
    expect(report.unexplained).toBe(0);
    // The faults were felt: clients reconnected (killed and drained gates) and retried sends.
    expect(report.reconnects).toBeGreaterThan(0);
  }, 240_000);
});
