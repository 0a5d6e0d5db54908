import { buildApps, compiledEntry, freePort, ServiceProcess, testToken, waitFor } from '@switchboard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatScenarios } from './chat-scenarios.js';
import { startScratchCluster, type ScratchCluster } from './scratch-cluster.js';

// The bundles in dist/apps are the deployment artifact (the Docker image runs them) and what the
// benchmarks run with --compiled. esbuild makes all four in about two seconds.
beforeAll(() => buildApps(['route', 'logic', 'tcp-conn', 'ws-conn']), 60_000);

describe('an app run from its bundle (dist/apps/<app>/main.js)', () => {
  it('starts with plain node, V8 flags before it, and serves /healthz', async () => {
    const health = await freePort();
    const proc = ServiceProcess.start(
      'route',
      { SWITCHBOARD_ROUTE__GRPC_PORT: '0', SWITCHBOARD_ROUTE__HEALTH__PORT: String(health) },
      [],
      { compiled: true, nodeArgs: ['--trace-gc-nvp'] },
    );
    try {
      const res = await waitFor('/healthz', async () => {
        if (proc.child.exitCode !== null) throw new Error(proc.output.join('\n'));
        return fetch(`http://127.0.0.1:${health}/healthz`);
      });
      expect(res.status).toBe(200);
      // No tsx loader: the bundle itself, after the node options.
      expect(proc.child.spawnargs.slice(1)).toEqual(['--trace-gc-nvp', compiledEntry('route')]);
    } finally {
      await proc.kill('SIGTERM');
    }
  });

  it('is refused when the bundle was not built, saying how to build it', () => {
    expect(() => ServiceProcess.start('no-such-app', {}, [], { compiled: true })).toThrow(
      'dist/apps/no-such-app/main.js is missing: build it with `node scripts/build-app.mjs no-such-app`',
    );
  });
});

describe('the local cluster run from the bundles', () => {
  let scratch: ScratchCluster;

  beforeAll(async () => {
    scratch = await startScratchCluster('compiled', {
      ws: 1,
      tcp: 1,
      logic: 1,
      route: 1,
      app: { id: 'compiled' },
      compiled: true,
    });
  }, 120_000);

  afterAll(() => scratch?.stop());

  it('runs every service from dist/apps and passes the chat scenarios', async () => {
    const { cluster } = scratch;
    for (const s of cluster.services)
      expect(s.process.child.spawnargs.slice(1)).toEqual([compiledEntry(s.app)]);
    const token = (user: string, device?: string) =>
      testToken('compiled', user, cluster.appSecret!, '2h', device);
    const [tcpUrl, wsUrl] = [cluster.tcpUrls[0]!, cluster.wsUrls[0]!];
    await chatScenarios({ tcpUrl, wsUrl, otherUrl: wsUrl, token }, 'c1');
  }, 60_000);
});
