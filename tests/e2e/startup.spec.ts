import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, ServiceProcess, waitFor } from '@switchboard/testing';
import { describe, expect, it } from 'vitest';

describe('service start-up', () => {
  it.each(['route', 'logic', 'tcp-conn', 'ws-conn', 'standalone'])(
    '%s refuses a bad config value, naming the key and where it came from',
    async (app) => {
      const proc = ServiceProcess.start(app, { SWITCHBOARD_ROUTE__GRPC_PORT: 'abc' });
      const code = await proc.exited();
      expect(code).toBe(1);
      expect(proc.output.join('\n')).toContain(
        'config: route.grpcPort: expected number between 0 and 65535, got "abc" (from SWITCHBOARD_ROUTE__GRPC_PORT)',
      );
    },
    30_000,
  );

  it.each(['route', 'logic', 'tcp-conn'])(
    '%s will not start in the production profile without an internal secret',
    async (app) => {
      const proc = ServiceProcess.start(app, {
        SWITCHBOARD_PROFILE: 'production',
        SWITCHBOARD_INTERNAL__SECRET: '',
      });
      expect(await proc.exited()).toBe(1);
      expect(proc.output.join('\n')).toContain(
        'config: internal.secret: expected a shared secret of at least 32 characters in the production profile (set SWITCHBOARD_INTERNAL__SECRET',
      );
    },
    30_000,
  );

  it('names a port that is already taken, what moves it and the likely cause', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const taken = (holder.address() as { port: number }).port;
    const dataDir = mkdtempSync(join(tmpdir(), 'sb-port-clash-'));
    try {
      const zero = {
        SWITCHBOARD_GATE__GRPC_PORT: '0',
        SWITCHBOARD_ROUTE__GRPC_PORT: '0',
        SWITCHBOARD_LOGIC__GRPC_PORT: '0',
        SWITCHBOARD_LOGIC__HTTP_PORT: '0',
        SWITCHBOARD_LOGIC__API__HTTP_PORT: '0',
        SWITCHBOARD_LOGIC__API__GRPC_PORT: '0',
        SWITCHBOARD_ROUTE__HEALTH__PORT: '0',
        SWITCHBOARD_GATE__HEALTH__PORT: '0',
        SWITCHBOARD_GATE__WS__PORT: '0',
      };
      // A client-facing listener (Node's error) in npm start, with its flag.
      const standalone = ServiceProcess.start('standalone', zero, [
        '--tcp-port',
        String(taken),
        '--data-dir',
        dataDir,
      ]);
      expect(await standalone.exited()).toBe(1);
      const said = standalone.output.join('\n');
      expect(said).toContain(`port ${taken} is already in use`);
      expect(said).toContain('gate.tcp.port (SWITCHBOARD_GATE__TCP__PORT=<port> or --tcp-port <port>)');
      expect(said).toContain('another Switchboard');
      // A gRPC listener (grpc-js's error) in a service of its own.
      const route = ServiceProcess.start('route', { ...zero, SWITCHBOARD_ROUTE__GRPC_PORT: String(taken) });
      expect(await route.exited()).toBe(1);
      expect(route.output.join('\n')).toContain('route.grpcPort (SWITCHBOARD_ROUTE__GRPC_PORT=<port>)');
    } finally {
      holder.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('a gate whose logic and route are down starts, but says so loudly and on /readyz', async () => {
    const [logicPort, routePort, healthPort] = [await freePort(), await freePort(), await freePort()];
    const gate = ServiceProcess.start('tcp-conn', {
      SWITCHBOARD_GATE__GRPC_PORT: '0',
      SWITCHBOARD_GATE__TCP__PORT: '0',
      SWITCHBOARD_GATE__HEALTH__PORT: String(healthPort),
      SWITCHBOARD_GATE_CLIENT__LOGIC_ADDRESS: `127.0.0.1:${logicPort}`,
      SWITCHBOARD_GATE_CLIENT__ROUTE_ADDRESS: `127.0.0.1:${routePort}`,
    });
    try {
      await gate.waitForLine(/tcp-conn listening, but NOT READY/);
      const errors = gate
        .logs()
        .filter((l) => l['level'] === 'error') // the embedded profile logs level names
        .map((l) => String(l['msg']));
      expect(errors).toContain(
        `upstream logic at 127.0.0.1:${logicPort} is unreachable; /readyz answers 503 until it is`,
      );
      expect(errors).toContain(
        `upstream route at 127.0.0.1:${routePort} (lease) is unreachable; /readyz answers 503 until it is`,
      );
      const res = await waitFor('/readyz', () => fetch(`http://127.0.0.1:${healthPort}/readyz`));
      expect(res.status).toBe(503);
      expect(await res.text()).toContain(`logic at 127.0.0.1:${logicPort} unreachable`);
    } finally {
      await gate.kill('SIGTERM');
    }
  }, 30_000);
});
