import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { ErrorCode } from '@switchboard/proto/client';
import {
  GateServiceClient,
  GateServiceService,
  KickRequest,
  type KickResponse,
  type StatsResponse,
} from '@switchboard/proto/conn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  call,
  CODE_METADATA_KEY,
  INTERNAL_AUTH_METADATA_KEY,
  InternalAuthRefusedError,
  internalClientOptions,
  InternalAuthVerifier,
  type RpcError,
  startGrpcServer,
  unary,
  type StartedServer,
} from './index.js';

const OLD = 'old-internal-secret-0123456789abcdef';
const NEW = 'new-internal-secret-0123456789abcdef';

describe('InternalAuthVerifier', () => {
  const withValue = (...values: string[]) => {
    const m = new Metadata();
    for (const v of values) m.add(INTERNAL_AUTH_METADATA_KEY, v);
    return m;
  };

  it('accepts each secret of a comma-separated list and nothing else', () => {
    const verifier = new InternalAuthVerifier(` ${NEW} , ${OLD} `);
    expect(verifier.verify(withValue(NEW))).toBe(true);
    expect(verifier.verify(withValue(OLD))).toBe(true);
    expect(verifier.verify(withValue(`${NEW},${OLD}`))).toBe(false);
    expect(verifier.verify(withValue(NEW.slice(0, -1)))).toBe(false);
    expect(verifier.verify(withValue(''))).toBe(false);
    expect(verifier.verify(new Metadata())).toBe(false);
    expect(verifier.verify(withValue(NEW, NEW))).toBe(false);
  });

  it('refuses to be built without a secret', () => {
    expect(() => new InternalAuthVerifier(' , ')).toThrow(/internal\.secret/);
  });
});

describe('startGrpcServer requires the internal credential on every call', () => {
  let server: StartedServer;
  let kicks = 0;
  const clients: GateServiceClient[] = [];
  const client = (secret?: string) => {
    const c = new GateServiceClient(
      `127.0.0.1:${server.port}`,
      credentials.createInsecure(),
      secret === undefined ? {} : internalClientOptions(secret),
    );
    clients.push(c);
    return c;
  };
  const kick = (c: GateServiceClient) =>
    call(c, c.kick, KickRequest.fromPartial({ connId: 1 }), new Metadata(), 2_000);

  beforeAll(async () => {
    server = await startGrpcServer(
      '127.0.0.1',
      0,
      [
        {
          definition: GateServiceService,
          implementation: {
            kick: unary<KickRequest, KickResponse>(async () => (kicks++, { kicked: true })),
            // As if this service's own call further down had been refused.
            stats: unary<object, StatsResponse>(async () => {
              throw new InternalAuthRefusedError();
            }),
          },
        },
      ],
      { secret: `${NEW},${OLD}` },
    );
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await server.stop(100);
  });

  it('refuses a call without a credential before its handler runs, saying nothing more', async () => {
    const before = kicks;
    const c = client();
    const raw = await new Promise<ServiceError>((resolve) =>
      c.kick(KickRequest.fromPartial({ connId: 1 }), (err) => resolve(err!)),
    );
    expect(raw.code).toBe(status.UNAUTHENTICATED);
    expect(raw.details).toBe('unauthenticated');
    expect(raw.metadata.get(CODE_METADATA_KEY)).toEqual([String(ErrorCode.ERROR_CODE_UNAUTHENTICATED)]);
    expect(kicks).toBe(before);
  });

  it('refuses a wrong credential with UNAUTHENTICATED (300)', async () => {
    const err = await kick(client('wrong-secret-0123456789abcdef0123456789')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InternalAuthRefusedError);
    expect((err as RpcError).code).toBe(ErrorCode.ERROR_CODE_UNAUTHENTICATED);
    expect((err as RpcError).message).toBe('unauthenticated');
  });

  it('accepts the current and the previous secret (rotation)', async () => {
    expect(await kick(client(NEW))).toEqual({ kicked: true });
    expect(await kick(client(`${OLD},${NEW}`))).toEqual({ kicked: true });
  });

  it("passes a downstream refusal of a service's own secret up as UNAVAILABLE, not as the caller's fault", async () => {
    const c = client(NEW);
    const err = await call(c, c.stats, {}, new Metadata(), 2_000).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(InternalAuthRefusedError);
    expect((err as RpcError).code).toBe(ErrorCode.ERROR_CODE_UNAVAILABLE);
  });

  it('will not start without a secret', async () => {
    await expect(startGrpcServer('127.0.0.1', 0, [], { secret: '' })).rejects.toThrow(/internal\.secret/);
  });
});
