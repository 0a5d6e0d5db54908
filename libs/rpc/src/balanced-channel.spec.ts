import { credentials, Metadata } from '@grpc/grpc-js';
import { ErrorCode } from '@switchboard/proto/client';
import {
  GateServiceClient,
  GateServiceService,
  KickRequest,
  type KickResponse,
  type StatsResponse,
} from '@switchboard/proto/conn';
import { afterEach, describe, expect, it } from 'vitest';
import {
  balancedChannel,
  call,
  parseAddressList,
  RpcError,
  startGrpcServer,
  unary,
  type StartedServer,
} from './index.js';

const SECRET = 'balanced-channel-spec-secret-0123456789';

/** One GateService instance that counts its kicks and can be told to answer UNAVAILABLE. */
interface Instance {
  server: StartedServer;
  port: number;
  kicks: number;
  unavailable: boolean;
}

async function startInstance(port = 0): Promise<Instance> {
  const self = { kicks: 0, unavailable: false } as Instance;
  self.server = await startGrpcServer(
    '127.0.0.1',
    port,
    [
      {
        definition: GateServiceService,
        implementation: {
          kick: unary<KickRequest, KickResponse>(async () => {
            if (self.unavailable) throw new RpcError(ErrorCode.ERROR_CODE_UNAVAILABLE, 'store down');
            self.kicks++;
            return { kicked: true };
          }),
          stats: unary<object, StatsResponse>(async () => {
            if (self.unavailable) throw new RpcError(ErrorCode.ERROR_CODE_UNAVAILABLE, 'store down');
            return { connections: 0, signedIn: 0 } as unknown as StatsResponse;
          }),
        },
      },
    ],
    { secret: SECRET },
  );
  self.port = self.server.port;
  return self;
}

describe('parseAddressList', () => {
  it('takes one address, a comma-separated list or an array', () => {
    expect(parseAddressList('logic:7500')).toEqual(['logic:7500']);
    expect(parseAddressList(' a:1, b:2 ,,a:1')).toEqual(['a:1', 'b:2']);
    expect(parseAddressList(['a:1', 'dns:///logic-headless:7500'])).toEqual([
      'a:1',
      'dns:///logic-headless:7500',
    ]);
    expect(() => parseAddressList(' , ')).toThrow(/at least one/);
  });
});

describe('balancedChannel over several real grpc-js servers', () => {
  const instances: Instance[] = [];
  const clients: GateServiceClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const i of instances.splice(0)) await i.server.stop(0);
  });

  async function two(): Promise<[Instance, Instance]> {
    const a = await startInstance();
    const b = await startInstance();
    instances.push(a, b);
    return [a, b];
  }

  function client(addresses: string | string[], retry = true): GateServiceClient {
    const { target, options } = balancedChannel(addresses, {
      secret: SECRET,
      retryable: retry ? [GateServiceService.kick] : [],
    });
    const c = new GateServiceClient(target, credentials.createInsecure(), options);
    clients.push(c);
    return c;
  }

  const kick = (c: GateServiceClient) =>
    call(c, c.kick, KickRequest.fromPartial({ connId: 1 }), new Metadata(), 2_000);

  async function kicks(c: GateServiceClient, n: number): Promise<void> {
    for (let i = 0; i < n; i++) await kick(c);
  }

  /** Calls until `instance` has received a call, or fails after `ms`. */
  async function untilReached(c: GateServiceClient, instance: Instance, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    const before = instance.kicks;
    while (instance.kicks === before) {
      if (Date.now() > deadline)
        throw new Error(`instance on port ${instance.port} got no call within ${ms} ms`);
      await kick(c);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('spreads calls round-robin over every address of a list', async () => {
    const [a, b] = await two();
    const c = client(`127.0.0.1:${a.port},127.0.0.1:${b.port}`);
    await kick(c); // connects
    await untilReached(c, b, 5_000);
    await untilReached(c, a, 5_000);
    a.kicks = 0;
    b.kicks = 0;
    await kicks(c, 20);
    expect(a.kicks).toBeGreaterThanOrEqual(8);
    expect(b.kicks).toBeGreaterThanOrEqual(8);
  });

  it('keeps every call succeeding while one instance is down, and sends it traffic again once it is back', async () => {
    const [a, b] = await two();
    const c = client([`127.0.0.1:${a.port}`, `localhost:${b.port}`]);
    await untilReached(c, a, 5_000);
    await untilReached(c, b, 5_000);

    const bPort = b.port;
    await b.server.stop(0);
    a.kicks = 0;
    await kicks(c, 20);
    expect(a.kicks).toBe(20);

    const b2 = await startInstance(bPort);
    instances[1] = b2;
    await untilReached(c, b2, 8_000);
    b2.kicks = 0;
    await kicks(c, 20);
    expect(b2.kicks).toBeGreaterThanOrEqual(5);
  });

  it('retries a retryable call that failed with UNAVAILABLE on another instance', async () => {
    const [a, b] = await two();
    const c = client(`127.0.0.1:${a.port},127.0.0.1:${b.port}`);
    await untilReached(c, a, 5_000);
    await untilReached(c, b, 5_000);
    a.unavailable = true;
    b.kicks = 0;
    await kicks(c, 10);
    expect(b.kicks).toBe(10);
  });

  it('does not retry a method that is not listed as retryable', async () => {
    const [a, b] = await two();
    a.unavailable = true;
    b.unavailable = true;
    const c = client(`127.0.0.1:${a.port},127.0.0.1:${b.port}`, false);
    const stats = () => call(c, c.stats, {}, new Metadata(), 2_000).catch((e: unknown) => e);
    const err = (await stats()) as RpcError;
    expect(err).toBeInstanceOf(RpcError);
    expect(err.code).toBe(ErrorCode.ERROR_CODE_UNAVAILABLE);
  });

  it('reports UNAVAILABLE when no address answers', async () => {
    const c = client('127.0.0.1:1,127.0.0.1:2');
    const err = (await kick(c).catch((e: unknown) => e)) as RpcError;
    expect([ErrorCode.ERROR_CODE_UNAVAILABLE, ErrorCode.ERROR_CODE_TIMEOUT]).toContain(err.code);
  });
});
