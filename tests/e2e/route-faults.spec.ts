import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createScratchMysqlDatabase, type ScratchMysqlDatabase } from '@switchboard/storage';
import {
  deleteRedisKeys,
  freePort,
  ServiceProcess,
  testToken,
  waitFor,
  wipeRedisKeys,
} from '@switchboard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedIn, text } from './clients.js';

const root = join(import.meta.dirname, '../..');
const run = promisify(execFile);

/**
 * Faults between the gates and route, as an operator meets them, with real processes on MariaDB and
 * Redis: a gate SIGKILLed and restarted under the same gate id within its lease (what compose's
 * `restart: unless-stopped` and a k8s pod named by POD_NAME do), and a route store that loses every
 * key (a Redis restart without persistence).
 */
describe('gates and route under faults (separate processes, MariaDB + Redis)', () => {
  const prefix = `sbfault-${randomBytes(4).toString('hex')}`;
  let db: ScratchMysqlDatabase;
  const procs: ServiceProcess[] = [];
  let secret = '';
  let logicAddress = '';
  let routeAddress = '';

  const internalSecret = randomBytes(32).toString('base64url');
  const common = () => ({
    SWITCHBOARD_PROFILE: 'production',
    SWITCHBOARD_INTERNAL__SECRET: internalSecret,
    SWITCHBOARD_LOG__LEVEL: 'info',
    SWITCHBOARD_MYSQL__URI: db.uri,
    SWITCHBOARD_MYSQL__POOL_SIZE: '5',
    SWITCHBOARD_REDIS__URL: 'redis://127.0.0.1:6379',
    SWITCHBOARD_REDIS__KEY_PREFIX: prefix,
    SWITCHBOARD_GATE__HEALTH__PORT: '0',
    SWITCHBOARD_ROUTE__HEALTH__PORT: '0',
    SWITCHBOARD_LOGIC__HTTP_PORT: '0',
    SWITCHBOARD_LOGIC__API__HTTP_PORT: '0',
    SWITCHBOARD_LOGIC__API__GRPC_PORT: '0',
  });

  /** Starts a TCP gate; the same id and ports again is a restart as a supervisor does it. */
  function startGate(id: string, grpcPort: number, tcpPort: number): ServiceProcess {
    const proc = ServiceProcess.start('tcp-conn', {
      ...common(),
      SWITCHBOARD_GATE__ID: id,
      SWITCHBOARD_GATE__HOST: '127.0.0.1',
      SWITCHBOARD_GATE__GRPC_PORT: String(grpcPort),
      SWITCHBOARD_GATE__TCP__PORT: String(tcpPort),
      // A long lease, so that the restarted process comes back well within it.
      SWITCHBOARD_GATE__LEASE_TTL_MS: '30000',
      SWITCHBOARD_GATE__LEASE_RENEW_MS: '300',
      SWITCHBOARD_GATE_CLIENT__LOGIC_ADDRESS: logicAddress,
      SWITCHBOARD_GATE_CLIENT__ROUTE_ADDRESS: routeAddress,
    });
    procs.push(proc);
    return proc;
  }

  const token = (user: string) => testToken('faults', user, secret, '1h');

  let gateA: { id: string; grpcPort: number; tcpPort: number; url: string; proc: ServiceProcess };
  let gateB: { url: string; proc: ServiceProcess };

  beforeAll(async () => {
    db = await createScratchMysqlDatabase(undefined, 'sb_faults');
    const created = await run(
      join(root, 'node_modules/.bin/tsx'),
      [join(root, 'apps/cli/src/main.ts'), 'app', 'create', '--app', 'faults', '--profile', 'production'],
      { cwd: root, env: { ...process.env, ...common() } },
    );
    secret = /secret: (\S+)/.exec(created.stdout)![1]!;
    const [routePort, logicPort] = [await freePort(), await freePort()];
    routeAddress = `127.0.0.1:${routePort}`;
    logicAddress = `127.0.0.1:${logicPort}`;
    const route = ServiceProcess.start('route', {
      ...common(),
      SWITCHBOARD_ROUTE__HOST: '127.0.0.1',
      SWITCHBOARD_ROUTE__GRPC_PORT: String(routePort),
    });
    const logic = ServiceProcess.start('logic', {
      ...common(),
      SWITCHBOARD_LOGIC__HOST: '127.0.0.1',
      SWITCHBOARD_LOGIC__GRPC_PORT: String(logicPort),
      SWITCHBOARD_LOGIC__ROUTE_ADDRESS: routeAddress,
    });
    procs.push(route, logic);
    await route.waitForLine(/route started/, 60_000);
    await logic.waitForLine(/logic started/, 60_000);
    const [aGrpc, aTcp, bGrpc, bTcp] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    gateA = {
      id: 'tcp-a',
      grpcPort: aGrpc,
      tcpPort: aTcp,
      url: `tcp://127.0.0.1:${aTcp}`,
      proc: startGate('tcp-a', aGrpc, aTcp),
    };
    gateB = { url: `tcp://127.0.0.1:${bTcp}`, proc: startGate('tcp-b', bGrpc, bTcp) };
    // The client port listens last: wait for it, not for the gate core.
    await gateA.proc.waitForLine(/tcp-conn listening/, 60_000);
    await gateB.proc.waitForLine(/tcp-conn listening/, 60_000);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.kill('SIGTERM')));
    await db?.drop();
    await deleteRedisKeys('redis://127.0.0.1:6379', prefix);
  }, 60_000);

  it('never hands a dead gate process’s pushes or kicks to the restarted process’s users', async () => {
    const alice = await signedIn(gateA.url, await token('alice'), 'phone');
    await gateA.proc.kill('SIGKILL');
    await alice.client.closed;
    // The supervisor restarts it at once: same gate id, same ports, lease still live at route.
    gateA.proc = startGate(gateA.id, gateA.grpcPort, gateA.tcpPort);
    await gateA.proc.waitForLine(/tcp-conn listening/, 60_000);
    // bob is the new process's first connection, so he has the connection id alice had.
    const bob = await signedIn(gateA.url, await token('bob'), 'phone');
    const carol = await signedIn(gateB.url, await token('carol'), 'phone');
    const sent = await carol.client.sendText('alice', 'for alice only', 'p1');
    await carol.client.sendText('bob', 'for bob', 'p2');
    await waitFor('bob to get his own message', () => bob.client.pushes.find((m) => text(m) === 'for bob'));
    expect(bob.client.pushes.map(text)).toEqual(['for bob']);

    // alice signs in elsewhere: the replaced binding (if any) must not kick bob.
    const aliceBack = await signedIn(gateB.url, await token('alice'), 'phone');
    expect(aliceBack.res.maxSeq).toBe(1);
    expect((await aliceBack.client.syncAll(0)).map((m) => [m.seq, m.messageId, text(m)])).toEqual([
      [1, sent.messageId, 'for alice only'],
    ]);
    await bob.client.heartbeat();
    await new Promise((r) => setTimeout(r, 300));
    await bob.client.heartbeat();
    expect(bob.client.pushes.map(text)).toEqual(['for bob']);
    for (const c of [bob, carol, aliceBack]) c.client.close();
  }, 90_000);

  it('keeps every session through a route store that lost all its data, and re-binds it', async () => {
    const dave = await signedIn(gateA.url, await token('dave'), 'phone');
    const erin = await signedIn(gateB.url, await token('erin'), 'phone');
    await erin.client.sendText('dave', 'before', 'w0');
    await waitFor('dave to get the push', () => dave.client.pushes[0]);

    // What a Redis restart without persistence leaves: nothing of ours.
    expect(await wipeRedisKeys('redis://127.0.0.1:6379', prefix)).toBeGreaterThan(0);

    // A sign-in right away succeeds: the gate renews its lease at once instead of failing it.
    const frank = await signedIn(gateA.url, await token('frank'), 'phone');
    expect(frank.res.userId).toBe('frank');

    // The gates re-register and re-bind what they hold; the sessions were never closed and each
    // one is told to sync, since pushes may have been lost meanwhile.
    await waitFor(
      'dave and erin to be told to sync',
      () => dave.client.syncHints > 0 && erin.client.syncHints > 0,
      20_000,
    );
    const sent = await erin.client.sendText('dave', 'after', 'w1');
    const pushed = await waitFor('dave to get the push after the wipe', () =>
      dave.client.pushes.find((m) => text(m) === 'after'),
    );
    expect([sent.seq, pushed.seq]).toEqual([2, 2]);
    await erin.client.sendText('frank', 'hi frank', 'w2');
    await waitFor('frank to get his push', () => frank.client.pushes[0]);
    // Nobody was closed (a closed client's heartbeat rejects), least of all with GATE_RESET.
    let closedWith: number | undefined;
    for (const c of [dave, erin, frank]) void c.client.closed.then((info) => (closedWith ??= info.code));
    for (const c of [dave, erin, frank]) await c.client.heartbeat();
    expect(closedWith).toBeUndefined();
    expect(dave.client.pushes.map(text)).toEqual(['before', 'after']);
    for (const c of [dave, erin, frank]) c.client.close();
  }, 90_000);
});
