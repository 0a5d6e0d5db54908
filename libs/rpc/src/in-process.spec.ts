import { Metadata } from '@grpc/grpc-js';
import { ErrorCode } from '@switchboard/proto/client';
import { GateServiceService, type GateServiceClient } from '@switchboard/proto/conn';
import { describe, expect, it } from 'vitest';
import { call } from './call.js';
import { InProcessServices } from './in-process.js';
import { RETRYABLE_ROUTE_METHODS } from './retryable-methods.js';
import { RpcError } from './rpc-error.js';
import { unary } from './unary.js';
import { RouteServiceService } from '@switchboard/proto/route';

type Impl = Record<string, ReturnType<typeof unary>>;

function serve(services: InProcessServices, name: string, definition: object, implementation: Impl) {
  return services.serve(name, {
    definition: definition as typeof RouteServiceService,
    implementation,
  });
}

const codeOf = (err: unknown) => (err instanceof RpcError ? err.code : undefined);

describe('InProcessServices', () => {
  it("gives the handler's answer, and its error with the code and field a gRPC caller gets", async () => {
    const services = new InProcessServices();
    const server = serve(services, 'route', RouteServiceService, {
      renewLease: unary(async (req: unknown) => ({
        registered: (req as { gateId: string }).gateId === 'g1',
        leaseExpiresAt: 7,
      })),
      bind: unary(async () => {
        throw new RpcError(ErrorCode.ERROR_CODE_GATE_RESET, 'renew first', { field: 'gate_id' });
      }),
      unbind: unary(async () => {
        throw new Error('a bug');
      }),
    });
    const route = services.channel<Impl>(server.address);
    expect(server.address).toBe('in-process:route');
    expect(await route.invoke('renewLease', { gateId: 'g1' } as never, 1_000)).toEqual({
      registered: true,
      leaseExpiresAt: 7,
    });
    const reset = await route.invoke('bind', {} as never, 1_000).catch((e: unknown) => e);
    expect(codeOf(reset)).toBe(ErrorCode.ERROR_CODE_GATE_RESET);
    expect((reset as RpcError).message).toBe('renew first');
    expect((reset as RpcError).field).toBe('gate_id');
    // Anything but a coded error reaches the caller as INTERNAL, its text kept out.
    const bug = await route.invoke('unbind', {} as never, 1_000).catch((e: unknown) => e);
    expect(codeOf(bug)).toBe(ErrorCode.ERROR_CODE_INTERNAL);
    expect((bug as RpcError).message).toBe('internal error');
  });

  it('answers TIMEOUT at the deadline, and UNAVAILABLE once the service is stopped', async () => {
    const services = new InProcessServices();
    let release: () => void = () => undefined;
    const server = serve(services, 'slow', RouteServiceService, {
      bind: unary(() => new Promise((resolve) => (release = () => resolve({ epoch: 1 })))),
    });
    const slow = services.channel<Impl>(server.address);
    expect(codeOf(await slow.invoke('bind', {} as never, 20).catch((e: unknown) => e))).toBe(
      ErrorCode.ERROR_CODE_TIMEOUT,
    );
    // A stop waits for the call in flight (its handler is still running, as on a gRPC server).
    const inFlight = slow.invoke('bind', {} as never, 5_000);
    let stopped = false;
    const stopping = server.stop(5_000).then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(stopped).toBe(false);
    release();
    expect(await inFlight).toEqual({ epoch: 1 });
    await stopping;
    expect(codeOf(await slow.invoke('bind', {} as never, 1_000).catch((e: unknown) => e))).toBe(
      ErrorCode.ERROR_CODE_UNAVAILABLE,
    );
  });

  it('retries UNAVAILABLE on retryable methods only, as the balanced channel does', async () => {
    const services = new InProcessServices();
    const calls = { unbind: 0, bind: 0 };
    const flaky = (name: keyof typeof calls) =>
      unary(async () => {
        if (++calls[name] < 3) throw new RpcError(ErrorCode.ERROR_CODE_UNAVAILABLE, 'busy');
        return {};
      });
    const server = serve(services, 'route', RouteServiceService, {
      unbind: flaky('unbind'),
      bind: flaky('bind'),
    });
    const route = services.channel<Impl>(server.address, { retryable: RETRYABLE_ROUTE_METHODS });
    expect(await route.invoke('unbind', {} as never, 5_000)).toEqual({});
    expect(calls.unbind).toBe(3);
    expect(codeOf(await route.invoke('bind', {} as never, 5_000).catch((e: unknown) => e))).toBe(
      ErrorCode.ERROR_CODE_UNAVAILABLE,
    );
    expect(calls.bind).toBe(1);
  });

  it('stands in for a grpc-js client, so code written against clients calls in process', async () => {
    const services = new InProcessServices();
    const server = serve(services, 'gate-1', GateServiceService, {
      count: unary(async (req: unknown) => ({
        roomSubscribers: (req as { roomId: string }).roomId.length,
        tagConnections: 0,
      })),
    });
    const client = services.channel<Impl>(server.address).client<GateServiceClient>(GateServiceService);
    const res = await call(
      client,
      client.count,
      { appId: 'a', roomId: 'abc', tag: '' },
      new Metadata(),
      1_000,
    );
    expect(res.roomSubscribers).toBe(3);
    await server.stop();
    const gone = await call(
      client,
      client.count,
      { appId: 'a', roomId: '', tag: '' },
      new Metadata(),
      1_000,
    ).catch((e: unknown) => e);
    expect(codeOf(gone)).toBe(ErrorCode.ERROR_CODE_UNAVAILABLE);
  });
});
