import { credentials, Metadata } from '@grpc/grpc-js';
import { loadConfig } from '@switchboard/config';
import { createLogger, memoryDestination } from '@switchboard/log';
import { ErrorCode } from '@switchboard/proto/client';
import { GetPresenceRequest, RouteServiceClient } from '@switchboard/proto/route';
import { RedisRouteStore } from '@switchboard/route-store';
import { call, internalClientOptions, type RpcError } from '@switchboard/rpc';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { startRoute, type RunningRoute } from './server.js';

// Issue 6: a Redis failure reached clients as INTERNAL, which says "do not bother retrying here".
describe('route with its Redis store down', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function routeOver(redis: Redis): Promise<RouteServiceClient> {
    const config = loadConfig({
      profile: 'default',
      env: {},
      overrides: { route: { grpcPort: 0, health: { enabled: false, port: 0 } } },
    });
    const logger = createLogger({ level: 'silent', service: 'route', destination: memoryDestination() });
    const route: RunningRoute = await startRoute({
      config,
      logger,
      store: new RedisRouteStore({ client: redis, prefix: `sb-outage-${process.pid}` }),
      expireEveryMs: 60_000,
    });
    const client = new RouteServiceClient(
      `127.0.0.1:${route.grpcPort}`,
      credentials.createInsecure(),
      internalClientOptions(config.internal.secret),
    );
    cleanups.push(
      () => redis.disconnect(),
      route.stop,
      () => client.close(),
    );
    return client;
  }

  /** Asks where a user is: a plain read of the store. */
  async function presenceError(client: RouteServiceClient): Promise<RpcError> {
    const request = GetPresenceRequest.fromPartial({ appId: 'a', userIds: ['u'] });
    return (await call(client, client.getPresence, request, new Metadata(), 10_000).then(
      () => expect.fail('the presence query succeeded'),
      (e: unknown) => e,
    )) as RpcError;
  }

  it('answers UNAVAILABLE, without internal details, when Redis refuses connections', async () => {
    const redis = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    redis.on('error', () => {});
    const err = await presenceError(await routeOver(redis));
    expect(err.code).toBe(ErrorCode.ERROR_CODE_UNAVAILABLE);
    expect(err.message).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|retries/i);
  });

  it('answers UNAVAILABLE when the Redis connection was closed', async () => {
    const redis = new Redis('redis://127.0.0.1:6379', { maxRetriesPerRequest: 1, lazyConnect: true });
    redis.on('error', () => {});
    await redis.connect();
    const client = await routeOver(redis);
    redis.disconnect();
    const err = await presenceError(client);
    expect(err.code).toBe(ErrorCode.ERROR_CODE_UNAVAILABLE);
  });
});
