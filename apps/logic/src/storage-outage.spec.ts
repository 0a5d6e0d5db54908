import { credentials, Metadata } from '@grpc/grpc-js';
import { loadConfig } from '@switchboard/config';
import { createLogger, memoryDestination } from '@switchboard/log';
import { ErrorCode } from '@switchboard/proto/client';
import { LogicServiceClient, SignInRequest } from '@switchboard/proto/logic';
import { call, internalClientOptions, type RpcError } from '@switchboard/rpc';
import { createStorage } from '@switchboard/storage';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import type { DeliveryStats, LogicRoutePort } from './route-port.js';
import { startLogic } from './server.js';
import { StubLogicRoutePort } from './stub-route-port.js';

const route: LogicRoutePort = Object.assign(new StubLogicRoutePort(), {
  deliverToUsers: (): Promise<DeliveryStats> => Promise.reject(new Error('no pushes in this test')),
});

// Issue 6: a database outage reached clients as INTERNAL; it is UNAVAILABLE (retryable).
describe('logic with its MySQL database unreachable', () => {
  it('answers a sign-in with UNAVAILABLE, without internal details', async () => {
    const storage = await createStorage({ dialect: 'mysql', uri: 'mysql://root@127.0.0.1:1/switchboard' });
    const config = loadConfig({
      profile: 'embedded',
      env: {},
      overrides: { logic: { grpcPort: 0, httpPort: 0, api: { httpPort: 0, grpcPort: 0 } } },
    });
    const logger = createLogger({ level: 'silent', service: 'logic', destination: memoryDestination() });
    const logic = await startLogic({ config, logger, storage, route });
    const client = new LogicServiceClient(
      `127.0.0.1:${logic.grpcPort}`,
      credentials.createInsecure(),
      internalClientOptions(config.internal.secret),
    );
    // Well formed, so that checking it needs the app's secret from the database.
    const token = await new SignJWT({ app_id: 'a' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u')
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode('secret'));
    try {
      const request = SignInRequest.fromPartial({
        request: { appId: 'a', userId: 'u', deviceId: 'd', token, platform: 'ios', tags: [] },
        gateId: 'g',
        connId: 1,
      });
      const err = (await call(client, client.signIn, request, new Metadata(), 10_000).then(
        () => expect.fail('sign-in succeeded'),
        (e: unknown) => e,
      )) as RpcError;
      expect(err.code).toBe(ErrorCode.ERROR_CODE_UNAVAILABLE);
      expect(err.message).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);
    } finally {
      client.close();
      await logic.stop();
      await storage.close();
    }
  });
});
