import { credentials, Metadata, status } from '@grpc/grpc-js';
import {
  GateServiceClient,
  GateServiceService,
  KickRequest,
  type KickResponse,
  StatsResponse,
  type StatsRequest,
} from '@switchboard/proto/conn';
import { ErrorCode } from '@switchboard/proto/client';
import { SwitchboardError } from '@switchboard/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  GRPC_CHANNEL_OPTIONS,
  GRPC_MAX_MESSAGE_BYTES,
  internalClientOptions,
  RpcError,
  startGrpcServer,
  unary,
  type StartedServer,
} from './index.js';

const MiB = 1024 * 1024;
const SECRET = 'rpc-spec-internal-secret-0123456789abcdef';

describe('rpc helpers over a real grpc-js server', () => {
  let server: StartedServer;
  let client: GateServiceClient;
  const unexpected: unknown[] = [];
  let statsReplyBytes = 0;

  beforeAll(async () => {
    server = await startGrpcServer(
      '127.0.0.1',
      0,
      [
        {
          definition: GateServiceService,
          implementation: {
            kick: unary<KickRequest, KickResponse>(
              async (req) => {
                if (req.connId === 1) return { kicked: true };
                if (req.connId === 2)
                  throw new RpcError(ErrorCode.ERROR_CODE_NOT_FOUND, 'no such connection');
                if (req.connId === 4) throw new RpcError(ErrorCode.ERROR_CODE_RATE_LIMITED, 'slow down');
                if (req.connId === 5) return { kicked: req.reason.length > 0 };
                if (req.connId === 7) {
                  throw new RpcError(ErrorCode.ERROR_CODE_INVALID_ARGUMENT, 'bad reason', {
                    field: 'reason',
                  });
                }
                if (req.connId === 8) {
                  throw new SwitchboardError(ErrorCode.ERROR_CODE_USER_NOT_FOUND, 'no such user', {
                    field: 'user_id',
                  });
                }
                if (req.connId === 6) {
                  throw Object.assign(new Error('connect ECONNREFUSED 10.0.0.9:6379'), {
                    code: 'ECONNREFUSED',
                  });
                }
                throw new Error('boom with secret details');
              },
              (err) => unexpected.push(err),
            ),
            // A reply as large as the test asks for.
            stats: unary<StatsRequest, StatsResponse>(async () =>
              StatsResponse.fromPartial({ gateId: 'x'.repeat(statsReplyBytes) }),
            ),
          },
        },
      ],
      { secret: SECRET },
    );
    client = new GateServiceClient(`127.0.0.1:${server.port}`, credentials.createInsecure(), {
      ...GRPC_CHANNEL_OPTIONS,
      ...internalClientOptions(SECRET),
    });
  });
  afterAll(async () => {
    client.close();
    await server.stop(100);
  });

  const kick = (connId: number) =>
    call(
      client,
      client.kick,
      { connId, epoch: 0, code: 0, reason: '', appId: '', userId: '', deviceId: '', bootId: '' },
      new Metadata(),
      2_000,
    );

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
    const err = (await kick(6).catch((e: unknown) => e)) as RpcError;
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
    // grpc-js says where it failed to connect; that is for logs (the cause), not for a client.
    expect(err.message).not.toContain('127.0.0.1');
    expect(err.cause).toBeDefined();
  });

  it("keeps a service's own RATE_LIMITED, which carries the sb-code trailer", async () => {
    const err = (await kick(4).catch((e: unknown) => e)) as RpcError;
    expect(err.code).toBe(ErrorCode.ERROR_CODE_RATE_LIMITED);
    expect(err.message).toBe('slow down');
  });

  it('carries the field an error is about in the sb-field trailer', async () => {
    const err = (await kick(7).catch((e: unknown) => e)) as RpcError;
    expect(err.code).toBe(ErrorCode.ERROR_CODE_INVALID_ARGUMENT);
    expect(err.field).toBe('reason');
    expect((await kick(4).catch((e: unknown) => e)) as RpcError).toHaveProperty('field', undefined);
  });

  it("maps a service's SwitchboardError exactly as an RpcError: status, code, message, field", async () => {
    const err = (await kick(8).catch((e: unknown) => e)) as RpcError;
    expect(err).toBeInstanceOf(RpcError);
    expect(err.code).toBe(ErrorCode.ERROR_CODE_USER_NOT_FOUND);
    expect(err.message).toBe('no such user');
    expect(err.field).toBe('user_id');
    expect((err.cause as { code?: number }).code).toBe(status.NOT_FOUND);
    expect(unexpected.some((e) => e instanceof SwitchboardError)).toBe(false);
  });

  describe('message size limits', () => {
    const stats = (c: GateServiceClient) => call(c, c.stats, {}, new Metadata(), 5_000);
    const expectTooLarge = (err: unknown) => {
      expect(err).toBeInstanceOf(RpcError);
      const e = err as RpcError;
      // Not RATE_LIMITED: PAYLOAD_TOO_LARGE is not retryable (docs/errors.md).
      expect(e.code).toBe(ErrorCode.ERROR_CODE_PAYLOAD_TOO_LARGE);
      // No "Received message larger than max (X vs Y)" for clients.
      expect(e.message).not.toMatch(/max|\d/);
      expect(String((e.cause as Error).message)).toMatch(/larger than/);
    };

    it("carries a reply above grpc-js's 4 MiB default between peers that both use GRPC_CHANNEL_OPTIONS", async () => {
      statsReplyBytes = 5 * MiB;
      expect((await stats(client)).gateId).toHaveLength(5 * MiB);
    });

    it('maps a reply over the receive limit to a non-retryable PAYLOAD_TOO_LARGE, not RATE_LIMITED', async () => {
      statsReplyBytes = 5 * MiB;
      const plain = new GateServiceClient(
        `127.0.0.1:${server.port}`,
        credentials.createInsecure(),
        internalClientOptions(SECRET),
      );
      try {
        expectTooLarge(await stats(plain).catch((e: unknown) => e));
      } finally {
        plain.close();
      }
    });

    it('maps a request over the limit the same way, refused by the client or by the server', async () => {
      const request = KickRequest.fromPartial({ connId: 5, reason: 'x'.repeat(GRPC_MAX_MESSAGE_BYTES + 1) });
      expectTooLarge(
        await call(client, client.kick, request, new Metadata(), 5_000).catch((e: unknown) => e),
      );
      const unbounded = new GateServiceClient(`127.0.0.1:${server.port}`, credentials.createInsecure(), {
        'grpc.max_send_message_length': -1,
      });
      try {
        expectTooLarge(
          await call(unbounded, unbounded.kick, request, new Metadata(), 5_000).catch((e: unknown) => e),
        );
      } finally {
        unbounded.close();
      }
    });
  });
});
