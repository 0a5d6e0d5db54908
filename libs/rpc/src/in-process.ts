import {
  type CallOptions,
  type Metadata,
  type ClientUnaryCall,
  type Deadline,
  type handleUnaryCall,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceError,
} from '@grpc/grpc-js';
import { ErrorCode } from '@switchboard/proto/client';
import { MAX_ATTEMPTS } from './balanced-channel.js';
import { DetachedCall } from './detached-call.js';
import { retryBackoffMs } from './retry-backoff.js';
import { fromServiceError, RpcError, UNAVAILABLE_MESSAGE } from './rpc-error.js';
import { observed, startGrpcServer, type GrpcServerOptions, type ServiceRegistration } from './server.js';

/** The scheme of an in-process address: `in-process:route`. */
const SCHEME = 'in-process:';

type Handler = (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => void;

/** The request and response types of a unary handler of a ts-proto `...Server` interface. */
type RequestOf<H> = H extends handleUnaryCall<infer Req, unknown> ? Req : never;
type ResponseOf<H> = H extends handleUnaryCall<never, infer Res> ? Res : never;

/** One service served in this process, with its calls in flight (a stop waits for them). */
interface Served {
  handlers: Map<string, Handler>;
  inFlight: number;
  idle: (() => void) | undefined;
}

/** A service served in this process: what `startGrpcServer` gives, without a listener. */
export interface InProcessServer {
  /** Where callers reach it (`in-process:<name>`), e.g. in a gate's lease. */
  address: string;
  /** Always 0: nothing listens. */
  port: number;
  /** Refuses new calls (UNAVAILABLE, as a stopped server), waits for running ones up to `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Services of one process calling each other without gRPC (the embedded suite): a caller gets the
 * same request and response objects a grpc-js handler gets, and the same errors `call()` gives
 * (the handler's `sb-code`, TIMEOUT at the deadline, UNAVAILABLE when nothing is served there), but
 * no channel, HTTP/2 stream or protobuf encoding. Requests and responses are not copied: the
 * suite's Buffers are never written again once handed over (see libs/gate/src/in-process-ports.ts).
 */
export class InProcessServices {
  private readonly served = new Map<string, Served>();

  /** Serves `registration` at `in-process:<name>`; `observe` times calls as startGrpcServer's does. */
  serve(
    name: string,
    registration: ServiceRegistration,
    options: Pick<GrpcServerOptions, 'observe'> = {},
  ): InProcessServer {
    const address = `${SCHEME}${name}`;
    if (this.served.has(address)) throw new Error(`${address} is already served`);
    const implementation = options.observe
      ? observed(registration, options.observe)
      : registration.implementation;
    const handlers = new Map<string, Handler>();
    for (const [method, handler] of Object.entries(implementation)) {
      handlers.set(method, handler as Handler);
    }
    const entry: Served = { handlers, inFlight: 0, idle: undefined };
    this.served.set(address, entry);
    return {
      address,
      port: 0,
      stop: (graceMs = 5_000) => {
        if (this.served.get(address) === entry) this.served.delete(address);
        if (entry.inFlight === 0) return Promise.resolve();
        return new Promise<void>((resolve) => {
          const force = setTimeout(resolve, graceMs);
          force.unref();
          entry.idle = () => {
            clearTimeout(force);
            resolve();
          };
        });
      },
    };
  }

  /** True when `address` names a service of this kind (served now or not). */
  static isAddress(address: string): boolean {
    return address.startsWith(SCHEME);
  }

  /** True while a service is served at `address`. */
  isServed(address: string): boolean {
    return this.served.has(address);
  }

  /**
   * A caller's view of the service at `address`. Like a grpc-js channel with a retry policy, a call
   * to a `retryable` method answered UNAVAILABLE is made again (up to {@link MAX_ATTEMPTS} within
   * its deadline, after the same back-off, throttled the same way while most calls fail).
   */
  channel<Impl extends object>(
    address: string,
    options: { retryable?: ReadonlyArray<{ readonly path: string }> } = {},
  ): InProcessChannel<Impl> {
    return new InProcessChannel<Impl>(this, address, options.retryable ?? []);
  }

  /** @internal Runs one attempt of a call; the deadline is in Unix ms. */
  attempt(address: string, method: string, request: unknown, deadline: number): Promise<unknown> {
    const entry = this.served.get(address);
    const handler = entry?.handlers.get(method);
    if (!entry || !handler) {
      return Promise.reject(new RpcError(ErrorCode.ERROR_CODE_UNAVAILABLE, UNAVAILABLE_MESSAGE));
    }
    return new Promise((resolve, reject) => {
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        reject(deadlineExceeded());
        return;
      }
      const call = new DetachedCall(request, deadline, address);
      entry.inFlight++;
      let done = false;
      const finish = (): boolean => {
        if (done) return false;
        done = true;
        clearTimeout(timer);
        if (--entry.inFlight === 0) entry.idle?.();
        return true;
      };
      const timer = setTimeout(() => {
        call.notifyCancelled();
        if (finish()) reject(deadlineExceeded());
      }, remaining);
      const callback: sendUnaryData<unknown> = (err, value) => {
        if (!finish()) return;
        if (err) reject(fromServiceError(err));
        else resolve(value);
      };
      try {
        handler(call as unknown as ServerUnaryCall<unknown, unknown>, callback);
      } catch (err) {
        // grpc-js answers a handler that throws with INTERNAL and no `sb-code`.
        if (finish()) reject(new RpcError(ErrorCode.ERROR_CODE_INTERNAL, 'internal error', { cause: err }));
      }
    });
  }
}

function deadlineExceeded(): RpcError {
  // What `fromServiceError` makes of grpc-js's DEADLINE_EXCEEDED.
  return new RpcError(ErrorCode.ERROR_CODE_TIMEOUT, 'the request timed out');
}

/**
 * grpc-js's retry throttling (`retryThrottling: { maxTokens: 10, tokenRatio: 1 }`, as
 * `balancedChannel` sets it): a failure takes a token, a success gives one back, and no retry is
 * made while half the tokens or more are gone.
 */
class RetryThrottle {
  private tokens = 10;

  failed(): void {
    this.tokens = Math.max(0, this.tokens - 1);
  }

  succeeded(): void {
    this.tokens = Math.min(10, this.tokens + 1);
  }

  get allows(): boolean {
    return this.tokens > 5;
  }
}

/** Calls to one in-process service; see {@link InProcessServices.channel}. */
export class InProcessChannel<Impl extends object> {
  private readonly retryable: ReadonlySet<string>;
  private readonly throttle = new RetryThrottle();

  constructor(
    private readonly services: InProcessServices,
    readonly address: string,
    retryable: ReadonlyArray<{ readonly path: string }>,
  ) {
    // Definitions name methods by path (`/switchboard.logic.v1.LogicService/SignIn`), handlers by
    // their camelCase key; the key is the path's method with a lower-case first letter.
    this.retryable = new Set(
      retryable.map((m) => {
        const method = m.path.slice(m.path.lastIndexOf('/') + 1);
        return method.charAt(0).toLowerCase() + method.slice(1);
      }),
    );
  }

  /** Throws unless the service is served (a readiness check). */
  served(): void {
    if (!this.services.isServed(this.address)) throw new Error(`${this.address}: not served`);
  }

  /** Calls `method` with a deadline `timeoutMs` from now; rejects with an RpcError. */
  invoke<K extends keyof Impl & string>(
    method: K,
    request: RequestOf<Impl[K]>,
    timeoutMs: number,
  ): Promise<ResponseOf<Impl[K]>> {
    return this.callUntil(method, request, Date.now() + timeoutMs) as Promise<ResponseOf<Impl[K]>>;
  }

  /**
   * A stand-in for a ts-proto grpc-js client of this service (`call(client, client.deliver, ...)`
   * works on it), for code written against clients: every unary method of `definition`, `close`,
   * and `waitForReady` (ready while the service is served).
   */
  client<C>(definition: Record<string, { path: string }>): C {
    const out: Record<string, unknown> = {
      close: () => undefined,
      getChannel: () => ({ getTarget: () => this.address }),
      waitForReady: (_deadline: Deadline, callback: (err?: Error) => void) => {
        callback(this.services.isServed(this.address) ? undefined : new Error('not served'));
      },
    };
    for (const method of Object.keys(definition)) {
      out[method] = (
        request: unknown,
        _metadata: Metadata,
        options: Partial<CallOptions>,
        callback: (error: ServiceError | null, response: unknown) => void,
      ): ClientUnaryCall => {
        const deadline = options.deadline;
        const at =
          deadline === undefined ? Infinity : deadline instanceof Date ? deadline.getTime() : deadline;
        this.callUntil(method, request, at).then(
          (res) => callback(null, res),
          // `call()` passes an RpcError through fromServiceError unchanged.
          (err: unknown) => callback(err as ServiceError, undefined),
        );
        return CALL_STUB;
      };
    }
    return out as C;
  }

  private async callUntil(method: string, request: unknown, deadline: number): Promise<unknown> {
    const retryable = this.retryable.has(method);
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await this.services.attempt(this.address, method, request, deadline);
        if (retryable) this.throttle.succeeded();
        return res;
      } catch (err) {
        if (!retryable || !(err instanceof RpcError) || err.code !== ErrorCode.ERROR_CODE_UNAVAILABLE)
          throw err;
        this.throttle.failed();
        if (attempt >= MAX_ATTEMPTS || !this.throttle.allows) throw err;
        const backoffMs = retryBackoffMs(attempt);
        if (Date.now() + backoffMs >= deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, backoffMs));
      }
    }
  }
}

/** What a stand-in client method returns: nobody cancels an internal unary call. */
const CALL_STUB = { cancel: () => undefined } as unknown as ClientUnaryCall;

/** An internal service being served, over gRPC or in process. */
export interface InternalServer {
  /** Where callers reach it: `host:port`, or `in-process:<name>`. */
  address: string;
  /** The bound port; 0 in process. */
  port: number;
  stop(graceMs?: number): Promise<void>;
}

/**
 * Serves one internal service: on a gRPC listener at host:port (see startGrpcServer), or, with
 * `inProcess`, in that registry under `name` and without a listener (the embedded suite).
 */
export async function serveInternal(
  host: string,
  port: number,
  registration: ServiceRegistration,
  options: GrpcServerOptions & { inProcess?: { services: InProcessServices; name: string } | undefined },
): Promise<InternalServer> {
  if (options.inProcess) {
    const { services, name } = options.inProcess;
    return services.serve(name, registration, options.observe ? { observe: options.observe } : {});
  }
  const server = await startGrpcServer(host, port, [registration], options);
  return { address: `${host}:${server.port}`, port: server.port, stop: server.stop };
}
