import { credentials, Metadata } from '@grpc/grpc-js';
import {
  GateServiceClient,
  GateServiceService,
  type KickRequest,
  type KickResponse,
} from '@switchboard/proto/conn';
import { ErrorCode } from '@switchboard/proto/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, RpcError, startGrpcServer, unary, type StartedServer } from './index.js';

describe('rpc helpers over a real grpc-js server', () => {
  let server: StartedServer;
  let client: GateServiceClient;
  const unexpected: unknown[] = [];

  beforeAll(async () => {
    server = await startGrpcServer('127.0.0.1', 0, [
      {
        definition: GateServiceService,
        implementation: {
          kick: unary<KickRequest, KickResponse>(
            async (req) => {
              if (req.connId === 1) return { kicked: true };
              if (req.connId === 2) throw new RpcError(ErrorCode.ERROR_CODE_NOT_FOUND, 'no such connection');
              if (req.connId === 4) {
                throw Object.assign(new Error('connect ECONNREFUSED 10.0.0.9:6379'), {
                  code: 'ECONNREFUSED',
                });
              }
              throw new Error('boom with secret details');
            },
            (err) => unexpected.push(err),
          ),
        },
      },
    ]);
    client = new GateServiceClient(`127.0.0.1:${server.port}`, credentials.createInsecure());
  });
  afterAll(async () => {
    client.close();
    await server.stop(100);
  });

  const kick = (connId: number) =>
    call(client, client.kick, { connId, epoch: 0, code: 0, reason: '' }, new Metadata(), 2_000);

  it('returns the response of a successful call', async () => {
    await expect(kick(1)).resolves.toEqual({ kicked: true });
  });

  it('carries a switchboard code and message across the hop', async () => {
    const err = await kick(2).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RpcError);
    expect((err as RpcError).code).toBe(ErrorCode.ERROR_CODE_NOT_FOUND);
    expect((err as RpcError).message).toBe('no such connection');
  });

  it('hides unexpected errors behind INTERNAL and reports them to onError', async () => {
    const err = (await kick(3).catch((e: unknown) => e)) as RpcError;
    expect(err.code).toBe(ErrorCode.ERROR_CODE_INTERNAL);
    expect(err.message).not.toContain('secret');
    expect(unexpected).toHaveLength(1);
  });

  it('answers an outage of a store or the network with UNAVAILABLE and no details', async () => {
    const err = (await kick(4).catch((e: unknown) => e)) as RpcError;
    expect(err.code).toBe(ErrorCode.ERROR_CODE_UNAVAILABLE);
    expect(err.message).not.toContain('10.0.0.9');
  });

  it('maps an unreachable server to UNAVAILABLE', async () => {
    const dead = new GateServiceClient('127.0.0.1:1', credentials.createInsecure());
    const err = (await call(dead, dead.stats, {}, new Metadata(), 1_000).catch(
      (e: unknown) => e,
    )) as RpcError;
    dead.close();
    expect([ErrorCode.ERROR_CODE_UNAVAILABLE, ErrorCode.ERROR_CODE_TIMEOUT]).toContain(err.code);
    // grpc-js's own text names the address; callers get a generic message, the original is the cause.
    expect(err.message).not.toContain('127.0.0.1');
    expect(err.cause).toBeDefined();
  });
});
