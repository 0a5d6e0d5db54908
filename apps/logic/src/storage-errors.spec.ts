import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, Metadata, status } from '@grpc/grpc-js';
import { loadConfig } from '@switchboard/config';
import { createLogger, memoryDestination } from '@switchboard/log';
import { ErrorCode } from '@switchboard/proto/client';
import { LogicServiceClient, type Session } from '@switchboard/proto/logic';
import { SwitchboardError } from '@switchboard/protocol';
import { call, internalClientOptions, UNAVAILABLE_MESSAGE, type RpcError } from '@switchboard/rpc';
import { createStorage, StorageError, type Storage } from '@switchboard/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLogic, type RunningLogic } from './server.js';
import { fromStorageError } from './storage-errors.js';
import { StubLogicRoutePort } from './stub-route-port.js';

describe('fromStorageError', () => {
  it.each([
    ['CONFLICT', ErrorCode.ERROR_CODE_UNAVAILABLE, UNAVAILABLE_MESSAGE],
    ['NOT_FOUND', ErrorCode.ERROR_CODE_NOT_FOUND, 'the storage message'],
    ['ALREADY_EXISTS', ErrorCode.ERROR_CODE_ALREADY_EXISTS, 'the storage message'],
    ['INVALID_ARGUMENT', ErrorCode.ERROR_CODE_INVALID_ARGUMENT, 'the storage message'],
  ] as const)('maps %s to its catalog code', (storageCode, code, message) => {
    const err = new StorageError(storageCode, 'the storage message');
    const mapped = fromStorageError(err) as SwitchboardError;
    expect(mapped).toBeInstanceOf(SwitchboardError);
    expect(mapped.code).toBe(code);
    expect(mapped.message).toBe(message);
    expect(mapped.field).toBeUndefined();
    expect(mapped.cause).toBe(err);
  });

  it('leaves a failed migration and every other error as they are', () => {
    const migration = new StorageError('MIGRATION_FAILED', 'migration 3 failed');
    expect(fromStorageError(migration)).toBe(migration);
    const bug = new TypeError('boom');
    expect(fromStorageError(bug)).toBe(bug);
  });
});

describe('storage errors over logic gRPC', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-storage-errors-'));
  let storage: Storage;
  let logic: RunningLogic;
  let client: LogicServiceClient;
  const session: Session = { appId: 'a', userId: 'u', deviceId: 'd', gateId: 'g', connId: 1, epoch: 1 };

  beforeAll(async () => {
    storage = await createStorage({ dialect: 'sqlite', file: join(dir, 'db.sqlite') });
    await storage.migrate();
    await storage.apps.create({ appId: 'a', name: 'A', tokenSecret: 'secret-of-app-a' });
    const config = loadConfig({
      profile: 'embedded',
      overrides: { logic: { grpcPort: 0, httpPort: 0, api: { httpPort: 0, grpcPort: 0 } } },
    });
    const logger = createLogger({ level: 'silent', service: 't', destination: memoryDestination() });
    logic = await startLogic({ config, logger, storage, route: new StubLogicRoutePort() });
    client = new LogicServiceClient(
      `127.0.0.1:${logic.grpcPort}`,
      credentials.createInsecure(),
      internalClientOptions(config.internal.secret),
    );
  });
  afterAll(async () => {
    client.close();
    await logic.stop();
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const failure = (method: unknown, request: unknown) =>
    call(client, method as never, request as never, new Metadata(), 5_000).then(
      () => expect.fail('the call succeeded'),
      (e: unknown) => e as RpcError,
    );

  it('answers a storage CONFLICT with retryable UNAVAILABLE, not INTERNAL', async () => {
    const syncInbox = storage.messages.syncInbox.bind(storage.messages);
    storage.messages.syncInbox = () =>
      Promise.reject(new StorageError('CONFLICT', 'transaction aborted by concurrent writers 8 times'));
    try {
      const err = await failure(client.sync, { session, request: { afterSeq: 0, limit: 10 } });
      expect(err.code).toBe(ErrorCode.ERROR_CODE_UNAVAILABLE);
      expect(err.message).toBe(UNAVAILABLE_MESSAGE);
      expect((err.cause as { code?: number }).code).toBe(status.UNAVAILABLE);
    } finally {
      storage.messages.syncInbox = syncInbox;
    }
  });

  it('answers a storage NOT_FOUND (an ack from a device never signed in) with NOT_FOUND', async () => {
    const err = await failure(client.ack, { session, request: { seq: 1 } });
    expect(err.code).toBe(ErrorCode.ERROR_CODE_NOT_FOUND);
    expect(err.message).toBe('device d of user u is not signed in');
    expect((err.cause as { code?: number }).code).toBe(status.NOT_FOUND);
  });
});
