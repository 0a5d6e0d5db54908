import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { credentials, Metadata } from '@grpc/grpc-js';
import { ErrorCode } from '@switchboard/proto/client';
import { RouteServiceClient, type GetPresenceResponse } from '@switchboard/proto/route';
import { call, internalClientOptions, type RpcError } from '@switchboard/rpc';
import { DEFAULT_MYSQL_SERVER_URI } from '@switchboard/storage';
import { freePort, ServiceProcess, startCluster, waitFor, type Cluster } from '@switchboard/testing';
import { Redis } from 'ioredis';
import { createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bigInboxScenario } from './big-inbox-scenario.js';
import { chatScenarios } from './chat-scenarios.js';
import { signedIn, text } from './clients.js';

const root = join(import.meta.dirname, '../..');
const run = promisify(execFile);

/**
 * The suite as separate processes on MariaDB and Redis, started by the launcher behind
 * `npm run cluster` (each app from its own main.ts with the production profile): two route
 * instances and two logic instances (stateless besides Redis and MySQL), two TCP gates and one
 * WebSocket gate, each given one upstream, crosswise, so that every scenario crosses instances:
 *   ws-1 → logic-1, route-2    tcp-1 → logic-2, route-1    tcp-2 → logic-1, route-2
 *   logic-1 → route-1          logic-2 → route-2
 * The database does not exist beforehand: the launcher creates and migrates it.
 */
describe('distributed suite (npm run cluster: separate processes, MariaDB + Redis)', () => {
  const prefix = `sbe2e-${randomBytes(4).toString('hex')}`;
  const database = `sb_e2e_${randomBytes(6).toString('hex')}`;
  let cluster: Cluster | undefined;
  let routeAddress = '';
  let tcp1 = '';
  let tcp2 = '';
  let ws = '';
  let secret = '';
  let gate1: ServiceProcess;
  let logicAddress = '';
  let logic2Address = '';
  let route2Address = '';
  let logic2: ServiceProcess;
  /** Processes a test starts besides the cluster's. */
  const extra: ServiceProcess[] = [];

  function startLogic(port: number, route: string, httpPort = 0): ServiceProcess {
    const proc = ServiceProcess.start('logic', {
      ...cluster!.env,
      SWITCHBOARD_LOGIC__HOST: '127.0.0.1',
      SWITCHBOARD_LOGIC__GRPC_PORT: String(port),
      SWITCHBOARD_LOGIC__HTTP_PORT: String(httpPort),
      SWITCHBOARD_LOGIC__API__HTTP_PORT: '0',
      SWITCHBOARD_LOGIC__API__GRPC_PORT: '0',
      SWITCHBOARD_LOGIC__ROUTE_ADDRESS: route,
    });
    extra.push(proc);
    return proc;
  }

  async function startTcpGate(id: string, logicAddresses: string, routeAddresses: string) {
    const [grpcPort, port] = [await freePort(), await freePort()];
    extra.push(
      ServiceProcess.start('tcp-conn', {
        ...cluster!.env,
        SWITCHBOARD_GATE__ID: id,
        SWITCHBOARD_GATE__HOST: '127.0.0.1',
        SWITCHBOARD_GATE__GRPC_PORT: String(grpcPort),
        SWITCHBOARD_GATE__TCP__PORT: String(port),
        SWITCHBOARD_GATE__HEALTH__PORT: '0',
        SWITCHBOARD_GATE_CLIENT__LOGIC_ADDRESS: logicAddresses,
        SWITCHBOARD_GATE_CLIENT__ROUTE_ADDRESS: routeAddresses,
      }),
    );
    return { url: `tcp://127.0.0.1:${port}`, port };
  }

  beforeAll(async () => {
    cluster = await startCluster({
      ws: 1,
      tcp: 2,
      logic: 2,
      route: 2,
      mysqlUri: `${DEFAULT_MYSQL_SERVER_URI}/${database}`,
      prefix,
      app: { id: 'acme' },
      wiring: 'crosswise',
      env: {
        SWITCHBOARD_MYSQL__POOL_SIZE: '5',
        SWITCHBOARD_GATE__LEASE_TTL_MS: '1500',
        SWITCHBOARD_GATE__LEASE_RENEW_MS: '300',
      },
    });
    secret = cluster.appSecret!;
    routeAddress = cluster.routeAddresses[0]!;
    [tcp1, tcp2] = cluster.tcpUrls as [string, string];
    ws = cluster.wsUrls[0]!;
    gate1 = cluster.services.find((s) => s.name === 'tcp-1')!.process;
    [logicAddress, logic2Address] = cluster.logicAddresses as [string, string];
    route2Address = cluster.routeAddresses[1]!;
    logic2 = cluster.services.find((s) => s.name === 'logic-2')!.process;

    // Every service answered /readyz; the gates' leases are visible at route.
    const routeClient = new RouteServiceClient(
      routeAddress,
      credentials.createInsecure(),
      internalClientOptions(cluster!.internalSecret),
    );
    await waitFor(
      'three gates to hold leases',
      async () =>
        (
          await call(
            routeClient,
            routeClient.getCounts,
            { appId: 'acme', roomId: '', tag: '' },
            new Metadata(),
            2_000,
          )
        ).gates === 3,
      30_000,
    );
    routeClient.close();
  }, 150_000);

  it("refuses internal calls that lack the cluster's internal secret (issue 7)", async () => {
    const outsider = new RouteServiceClient(routeAddress, credentials.createInsecure());
    try {
      const err = await call(
        outsider,
        outsider.getCounts,
        { appId: 'acme', roomId: '', tag: '' },
        new Metadata(),
        2_000,
      ).then(
        () => expect.fail('route answered a caller without the internal secret'),
        (e: RpcError) => e,
      );
      expect([err.code, err.message]).toEqual([ErrorCode.ERROR_CODE_UNAUTHENTICATED, 'unauthenticated']);
    } finally {
      outsider.close();
    }
  });

  afterAll(async () => {
    await Promise.all(extra.map((p) => p.kill('SIGTERM')));
    await cluster?.stop();
    const mysql = await createConnection({ uri: DEFAULT_MYSQL_SERVER_URI });
    await mysql.query(`drop database if exists \`${database}\``);
    await mysql.end();
    const redis = new Redis('redis://127.0.0.1:6379');
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
    await redis.quit();
  }, 60_000);

  it('prints where to connect, and every service is ready with metrics on its health port', async () => {
    const info = cluster!.describe();
    for (const url of [tcp1, tcp2, ws]) expect(info).toContain(url);
    for (const s of cluster!.services) {
      expect(info).toContain(s.healthUrl);
      expect((await fetch(`${s.healthUrl}/readyz`)).status, s.name).toBe(200);
      const metrics = await (await fetch(`${s.healthUrl}/metrics`)).text();
      expect(metrics, s.name).toContain('# TYPE process_cpu_seconds_total counter');
      expect(metrics, s.name).toContain('# TYPE switchboard_grpc_server_seconds histogram');
      if (s.app === 'logic') expect(metrics, s.name).toContain('# TYPE switchboard_db_seconds histogram');
      if (s.app === 'route') {
        expect(metrics, s.name).toContain('# TYPE switchboard_redis_seconds histogram');
        expect(metrics, s.name).toContain('# TYPE switchboard_route_delivery_seconds histogram');
      }
    }
  });

  const token = async (user: string, device?: string) => {
    const args = [
      join(root, 'apps/cli/src/main.ts'),
      'token',
      '--app',
      'acme',
      '--user',
      user,
      '--secret',
      secret,
    ];
    if (device) args.push('--device', device);
    const { stdout } = await run(join(root, 'node_modules/.bin/tsx'), args, { cwd: root });
    return stdout.trim();
  };

  it('passes the chat scenarios across gates', async () => {
    await chatScenarios({ tcpUrl: tcp1, wsUrl: ws, otherUrl: tcp2, token }, 'd1');
  }, 90_000);

  it("pages a victim's inbox full of maximum-size messages by bytes, across gates and logic instances", async () => {
    await bigInboxScenario({ tcpUrl: tcp1, wsUrl: ws, otherUrl: tcp2, token }, 'd1');
  }, 90_000);

  it('forgets a SIGKILLed gate by its lease; its clients reconnect elsewhere and sync everything', async () => {
    const alice = 'alice-kill';
    const bob = 'bob-kill';
    const a = await signedIn(tcp1, await token(alice), 'phone');
    const b = await signedIn(ws, await token(bob), 'laptop');
    await b.client.sendText(alice, 'before crash', 'k0');
    await waitFor('alice to get the push', () => a.client.pushes[0]);

    await gate1.kill('SIGKILL');
    await a.client.closed;

    const routeClient = new RouteServiceClient(
      routeAddress,
      credentials.createInsecure(),
      internalClientOptions(cluster!.internalSecret),
    );
    const presence = () =>
      call<unknown, GetPresenceResponse>(
        routeClient,
        routeClient.getPresence as never,
        { appId: 'acme', userIds: [alice] },
        new Metadata(),
        2_000,
      );
    expect((await presence()).users[0]!.devices.map((d) => d.gateId)).toEqual(['tcp-1']);
    await waitFor(
      'the dead gate lease to lapse',
      async () => (await presence()).users[0]!.devices.length === 0,
      20_000,
    );
    routeClient.close();

    // Messages sent while alice is away are stored, not lost.
    const s1 = await b.client.sendText(alice, 'while away 1', 'k1');
    const s2 = await b.client.sendText(alice, 'while away 2', 'k2');
    expect([s1.seq, s2.seq]).toEqual([2, 3]);

    const back = await signedIn(tcp2, await token(alice), 'phone');
    expect(back.res.maxSeq).toBe(3);
    const synced = await back.client.syncAll(1);
    expect(synced.map((m) => [m.seq, text(m)])).toEqual([
      [2, 'while away 1'],
      [3, 'while away 2'],
    ]);
    back.client.close();
    b.client.close();
  }, 60_000);

  // Issue 6: a gate given one logic address could not send while that logic was down.
  it('keeps a gate given both logic instances sending while one is killed, and uses it again once restarted', async () => {
    const g = await startTcpGate(
      'tcp-both',
      `${logicAddress},${logic2Address}`,
      `${routeAddress},${route2Address}`,
    );
    await waitFor('the two-logic gate to listen', async () => {
      const { connect } = await import('node:net');
      return new Promise<boolean>((resolve) => {
        const s = connect(g.port, '127.0.0.1');
        s.once('connect', () => (s.destroy(), resolve(true)));
        s.once('error', () => resolve(false));
      });
    });
    const alice = await signedIn(g.url, await token('alice-failover'), 'phone');
    const bob = 'bob-failover';
    let n = 0;
    const send = () => alice.client.sendText(bob, `m${++n}`, `failover-${n}`);
    for (let i = 0; i < 5; i++) await send();

    await logic2.kill('SIGKILL');
    for (let i = 0; i < 20; i++) await send();

    const httpPort = await freePort();
    logic2 = startLogic(Number(logic2Address.split(':')[1]), route2Address, httpPort);
    const sendsOfLogic2 = async () => {
      const res = await fetch(`http://127.0.0.1:${httpPort}/metrics`).catch(() => undefined);
      const text = res?.ok ? await res.text() : '';
      return Number(/^switchboard_logic_sends_total(?:\{[^}]*\})? (\d+)/m.exec(text)?.[1] ?? 0);
    };
    await waitFor(
      'the restarted logic instance to get sends again',
      async () => {
        await send();
        return (await sendsOfLogic2()) > 0;
      },
      30_000,
    );
    const last = await send();
    expect(last.seq).toBe(n);
    alice.client.close();
  }, 90_000);
});
