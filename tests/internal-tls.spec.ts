import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, Metadata } from '@grpc/grpc-js';
import { loadConfig, type Config } from '@switchboard/config';
import { createLogger } from '@switchboard/log';
import { ErrorCode } from '@switchboard/proto/client';
import { DeliverToUsersRequest, RouteServiceClient } from '@switchboard/proto/route';
import { startRoute, type RunningRoute } from '@switchboard/route/server';
import { MemoryRouteStore } from '@switchboard/route-store';
import {
  balancedChannel,
  call,
  internalClientOptions,
  readInternalTls,
  type RpcError,
} from '@switchboard/rpc';
import { startTcpConn, type TcpConn } from '@switchboard/tcp-conn/server';
import { makeInternalPki, waitFor, type InternalPki } from '@switchboard/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** internal.tls: mutual TLS between the services, on top of the internal secret. */
describe('mutual TLS between the services (internal.tls)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-mtls-'));
  const logger = createLogger({ level: 'silent', service: 'mtls-test' });
  let pki: InternalPki;
  let config: Config;
  let route: RunningRoute;
  let gate: TcpConn;
  const clients: RouteServiceClient[] = [];

  beforeAll(async () => {
    pki = makeInternalPki(dir);
    config = loadConfig({
      env: {},
      profile: 'default',
      overrides: {
        route: { grpcPort: 0, health: { enabled: false, port: 0 } },
        gate: { grpcPort: 0, tcp: { port: 0 }, health: { enabled: false, port: 0 } },
        internal: {
          tls: {
            enabled: true,
            caFile: pki.caFile,
            certFile: pki.certFile,
            keyFile: pki.keyFile,
            serverName: pki.serverName,
          },
        },
      },
    });
    route = await startRoute({ config, logger, store: new MemoryRouteStore() });
    const routeAddress = `127.0.0.1:${route.grpcPort}`;
    // Logic is not running: the gate starts regardless (not ready), which this test does not need.
    gate = await startTcpConn({
      config: { ...config, gateClient: { logicAddress: '127.0.0.1:1', routeAddress } },
      logger,
    });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await gate.stop();
    await route.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const routeClient = (make: (address: string) => RouteServiceClient) => {
    const c = make(`127.0.0.1:${route.grpcPort}`);
    clients.push(c);
    return c;
  };
  const counts = (c: RouteServiceClient) =>
    call(c, c.getCounts, { appId: 'a', roomId: '', tag: '' }, new Metadata(), 3_000);

  it('carries gate -> route (lease) and route -> gate (delivery) over mutual TLS', async () => {
    const tls = readInternalTls(config.internal.tls);
    const c = routeClient((address) => {
      const channel = balancedChannel(address, { secret: config.internal.secret, tls });
      return new RouteServiceClient(channel.target, channel.credentials, channel.options);
    });
    await waitFor('the gate to hold a lease at route', async () => (await counts(c)).gates === 1, 10_000);
    await call(
      c,
      c.bind,
      {
        appId: 'a',
        userId: 'u',
        deviceId: 'd',
        gateId: gate.gate.id,
        connId: 999,
        platform: 't',
        gateBootId: gate.gate.core.bootId,
      },
      new Metadata(),
      3_000,
    );
    const res = await call(
      c,
      c.deliverToUsers,
      DeliverToUsersRequest.fromPartial({
        appId: 'a',
        packets: [{ userIds: ['u'], packet: Buffer.from([1]) }],
      }),
      new Metadata(),
      3_000,
    );
    // The gate answered (connection 999 is not there): route reached it over mutual TLS.
    expect(res.stats).toMatchObject({ failedGates: 0 });
  });

  it('refuses a plaintext caller, even one with the secret', async () => {
    const c = routeClient(
      (address) =>
        new RouteServiceClient(
          address,
          credentials.createInsecure(),
          internalClientOptions(config.internal.secret),
        ),
    );
    const err = await counts(c).then(
      () => expect.fail('a plaintext call was answered'),
      (e: RpcError) => e,
    );
    expect([ErrorCode.ERROR_CODE_UNAVAILABLE, ErrorCode.ERROR_CODE_TIMEOUT]).toContain(err.code);
  });

  it('refuses a caller whose certificate the internal CA did not sign', async () => {
    const c = routeClient(
      (address) =>
        new RouteServiceClient(
          address,
          credentials.createSsl(
            readFileSync(pki.caFile),
            readFileSync(pki.strangerKeyFile),
            readFileSync(pki.strangerCertFile),
          ),
          {
            ...internalClientOptions(config.internal.secret),
            'grpc.ssl_target_name_override': pki.serverName,
          },
        ),
    );
    const err = await counts(c).then(
      () => expect.fail('a stranger was answered'),
      (e: RpcError) => e,
    );
    expect([ErrorCode.ERROR_CODE_UNAVAILABLE, ErrorCode.ERROR_CODE_TIMEOUT]).toContain(err.code);
  });

  it('still requires the secret over mutual TLS', async () => {
    const tls = readInternalTls(config.internal.tls)!;
    const c = routeClient((address) => {
      const channel = balancedChannel(address, { secret: 'a-wrong-internal-secret-0123456789abcdef', tls });
      return new RouteServiceClient(channel.target, channel.credentials, channel.options);
    });
    const err = await counts(c).then(
      () => expect.fail('a wrong secret was accepted'),
      (e: RpcError) => e,
    );
    expect(err.code).toBe(ErrorCode.ERROR_CODE_UNAUTHENTICATED);
  });
});
