import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { credentials, Metadata } from '@grpc/grpc-js';
import { ConversationType, ErrorCode, Message, Packet, PacketType } from '@switchboard/proto/client';
import { pushPacket } from '@switchboard/protocol';
import { RouteServiceClient, type GetPresenceResponse } from '@switchboard/proto/route';
import { call, internalClientOptions, type RpcError } from '@switchboard/rpc';
import { DEFAULT_MYSQL_SERVER_URI, dropMysqlDatabase } from '@switchboard/storage';
import {
  deleteRedisKeys,
  freePort,
  ServiceProcess,
  startCluster,
  testToken,
  waitFor,
  type Cluster,
} from '@switchboard/testing';
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

  /** A client of route-1 with the internal secret, and one call on it (3 s deadline). */
  function internalRoute() {
    const routeClient = new RouteServiceClient(
      routeAddress,
      credentials.createInsecure(),
      internalClientOptions(cluster!.internalSecret),
    );
    const rpc = <Req, Res>(method: (...args: never[]) => unknown, req: Req) =>
      call<Req, Res>(routeClient, method as never, req, new Metadata(), 3_000);
    return { routeClient, rpc };
  }

  /** Whether something accepts TCP connections on a local port. */
  function listening(port: number): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
  }

  async function startTcpGate(id: string, logicAddresses: string, routeAddresses: string) {
    const [grpcPort, port] = [await freePort(), await freePort()];
    const proc = ServiceProcess.start('tcp-conn', {
      ...cluster!.env,
      SWITCHBOARD_GATE__ID: id,
      SWITCHBOARD_GATE__HOST: '127.0.0.1',
      SWITCHBOARD_GATE__GRPC_PORT: String(grpcPort),
      SWITCHBOARD_GATE__TCP__PORT: String(port),
      SWITCHBOARD_GATE__HEALTH__PORT: '0',
      SWITCHBOARD_GATE_CLIENT__LOGIC_ADDRESS: logicAddresses,
      SWITCHBOARD_GATE_CLIENT__ROUTE_ADDRESS: routeAddresses,
    });
    extra.push(proc);
    return { url: `tcp://127.0.0.1:${port}`, port, proc };
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
    await dropMysqlDatabase(`${DEFAULT_MYSQL_SERVER_URI}/${database}`);
    await deleteRedisKeys('redis://127.0.0.1:6379', prefix);
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
    await waitFor('the two-logic gate to listen', () => listening(g.port));
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

  it('puts users into a server room across gates (SetUsersRoom), pushed once per gate, kept on UNSUBSCRIBE_ROOM', async () => {
    const room = 'sb:group:e2e';
    const { routeClient, rpc } = internalRoute();
    const open = async (user: string, url: string) =>
      (await signedIn(url, await testToken('acme', user, secret, '1h'), 'd')).client;
    const [m1, m2, outsider] = [
      await open('member-ws', ws),
      await open('member-tcp', tcp2),
      await open('not-a-member', tcp2),
    ];
    const setRoom = (userIds: string[], join: boolean) =>
      rpc<unknown, { updated: number; failedGates: number }>(routeClient.setUsersRoom, {
        appId: 'acme',
        roomId: room,
        userIds,
        join,
      });
    const counts = () =>
      rpc<unknown, { roomSubscribers: number; roomGates: number }>(routeClient.getCounts, {
        appId: 'acme',
        roomId: room,
        tag: '',
      });
    let n = 0;
    const push = async () => {
      const content = `group push ${++n}`;
      const message = Message.encode(
        Message.fromPartial({
          conversation: { type: ConversationType.CONVERSATION_TYPE_ROOM, id: room },
          contentType: 'text/plain',
          content: Buffer.from(content),
        }),
      ).finish();
      const packet = Buffer.from(Packet.encode(pushPacket(PacketType.PACKET_TYPE_MESSAGE, message)).finish());
      const res = await rpc<unknown, { stats: { delivered: number } }>(routeClient.deliverToRoom, {
        appId: 'acme',
        roomId: room,
        packet,
        more: [],
      });
      return { content, delivered: res.stats.delivered };
    };
    const got = (c: typeof m1, content: string) => c.pushes.some((m) => text(m) === content);
    try {
      expect(await setRoom(['member-ws', 'member-tcp', 'offline-member'], true)).toEqual({
        updated: 2,
        failedGates: 0,
      });
      expect(await setRoom(['member-ws'], true)).toEqual({ updated: 1, failedGates: 0 });
      expect(await counts()).toMatchObject({ roomSubscribers: 2, roomGates: 2 });
      const first = await push();
      expect(first.delivered).toBe(2);
      await waitFor(
        'both members to get the group push',
        () => got(m1, first.content) && got(m2, first.content),
      );
      expect(got(outsider, first.content)).toBe(false);

      // The client cannot leave a room the server put it in; the server can take it out.
      await m1.unsubscribeRoom(room);
      expect(await counts()).toMatchObject({ roomSubscribers: 2, roomGates: 2 });
      expect(await setRoom(['member-ws'], false)).toEqual({ updated: 1, failedGates: 0 });
      expect(await counts()).toMatchObject({ roomSubscribers: 1, roomGates: 1 });
      const second = await push();
      expect(second.delivered).toBe(1);
      await waitFor('the remaining member to get the second push', () => got(m2, second.content));
      expect(got(m1, second.content)).toBe(false);
    } finally {
      for (const c of [m1, m2, outsider]) c.close();
      routeClient.close();
    }
  });

  it('keeps online counts per room and per tag right through disconnects, a kick and a SIGKILLed gate', async () => {
    const doomed = await startTcpGate('tcp-counts', logicAddress, routeAddress);
    await waitFor('the counts gate to listen', () => listening(doomed.port));
    const room = 'counts-room';
    const tag = 'counts_tag';
    const { routeClient, rpc } = internalRoute();
    const counts = () =>
      rpc<
        unknown,
        { roomSubscribers: number; tagConnections: number; roomGates: number; failedGates: number }
      >(routeClient.getCounts, { appId: 'acme', roomId: room, tag });
    const countsReach = (want: { roomSubscribers: number; tagConnections: number }, why: string) =>
      waitFor(why, async () => {
        const c = await counts();
        return c.roomSubscribers === want.roomSubscribers && c.tagConnections === want.tagConnections;
      });
    // Six connections over three gates (two of them on the gate that will be killed), each in the
    // room and given the tag.
    const placed: Array<[string, string]> = [
      ['counts-ws', ws],
      ['counts-tcp2', tcp2],
      ['counts-gone', tcp2],
      ['counts-kicked', ws],
      ['counts-doomed1', doomed.url],
      ['counts-doomed2', doomed.url],
    ];
    const conns = new Map(
      await Promise.all(
        placed.map(async ([user, url]) => {
          const { client } = await signedIn(url, await testToken('acme', user, secret, '1h'), 'd');
          await client.subscribeRoom(room);
          await rpc(routeClient.setUserTags, { appId: 'acme', userId: user, tags: [tag] });
          return [user, client] as const;
        }),
      ),
    );
    try {
      expect(await counts()).toMatchObject({ roomSubscribers: 6, tagConnections: 6, roomGates: 3 });

      conns.get('counts-gone')!.close();
      await countsReach({ roomSubscribers: 5, tagConnections: 5 }, 'a closed connection to leave the counts');

      const kicked = await rpc<unknown, { kicked: boolean }>(routeClient.kickDevice, {
        appId: 'acme',
        userId: 'counts-kicked',
        deviceId: 'd',
        code: ErrorCode.ERROR_CODE_KICKED_BY_ADMIN,
        reason: 'bye',
      });
      expect(kicked.kicked).toBe(true);
      expect((await conns.get('counts-kicked')!.closed).code).toBe(ErrorCode.ERROR_CODE_KICKED_BY_ADMIN);
      await countsReach({ roomSubscribers: 4, tagConnections: 4 }, 'a kicked connection to leave the counts');

      await doomed.proc.kill('SIGKILL');
      // At once the dead gate answers no Count (it is reported as failed); once its lease lapses route
      // forgets it and its room altogether.
      await countsReach({ roomSubscribers: 2, tagConnections: 2 }, 'the killed gate to leave the counts');
      await waitFor('the killed gate to be forgotten', async () => {
        const c = await counts();
        return c.failedGates === 0 && c.roomGates === 2;
      });
      expect(await counts()).toMatchObject({ roomSubscribers: 2, tagConnections: 2 });
    } finally {
      for (const c of conns.values()) c.close();
      routeClient.close();
    }
  }, 60_000);
});
