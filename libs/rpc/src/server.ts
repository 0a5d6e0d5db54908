import {
  Server,
  status,
  type ServerCredentials,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceDefinition,
  type UntypedHandleCall,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { GRPC_CHANNEL_OPTIONS } from './channel-options.js';
import { authenticated, InternalAuthVerifier } from './internal-auth.js';
import { internalServerCredentials, type InternalTls } from './internal-tls.js';
import { RawInternalStreamService } from './stream/raw-service.js';
import { StreamServer } from './stream/stream-server.js';

export interface ServiceRegistration {
  definition: ServiceDefinition;
  implementation: UntypedServiceImplementation;
}

export interface StartedServer {
  server: Server;
  /** The bound port (useful when asked for port 0). */
  port: number;
  /** Stops accepting calls, waits for running ones up to `graceMs`, then forces. */
  stop(graceMs?: number): Promise<void>;
}

export interface GrpcServerOptions {
  /**
   * `internal.secret`: one secret or a comma-separated list (rotation). Every call must carry one
   * of them in `sb-internal-auth` metadata; others are refused with UNAUTHENTICATED before their
   * handler runs. Empty is refused: no internal server runs without authentication.
   */
  secret: string;
  /** Mutual TLS (`internal.tls`); plaintext when undefined. */
  tls?: InternalTls | undefined;
  /**
   * Called when a unary call is answered: method (`SignIn`), seconds taken, status code name
   * (`OK`...). A call carried as a frame on an internal stream is observed the same way.
   */
  observe?: (method: string, seconds: number, code: string) => void;
  /** `internal.streams.maxAgeSeconds` in ms: a stream's age before the server drains it. */
  streamMaxAgeMs?: number | undefined;
}

/** Times each unary handler of an implementation for `observe`; streaming handlers stay as they are. */
export function observed(
  { definition, implementation }: ServiceRegistration,
  observe: NonNullable<GrpcServerOptions['observe']>,
): UntypedServiceImplementation {
  const out: UntypedServiceImplementation = {};
  for (const [name, handler] of Object.entries(implementation)) {
    const method = definition[name];
    if (!method || method.requestStream || method.responseStream) {
      out[name] = handler;
      continue;
    }
    const label = method.path.split('/').pop() ?? name;
    const unary = handler as (
      call: ServerUnaryCall<unknown, unknown>,
      callback: sendUnaryData<unknown>,
    ) => void;
    out[name] = ((call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
      const start = process.hrtime.bigint();
      unary(call, (err, value, trailer, flags) => {
        const code = err ? (status[err.code ?? status.UNKNOWN] ?? 'UNKNOWN') : 'OK';
        observe(label, Number(process.hrtime.bigint() - start) / 1e9, code);
        callback(err, value, trailer, flags);
      });
    }) as UntypedHandleCall;
  }
  return out;
}

/**
 * Starts a plaintext gRPC server for internal traffic on host:port (0 picks a free port). Every
 * handler of every service requires the internal credential (see {@link GrpcServerOptions.secret}).
 *
 * The server also serves InternalStreamService (stream/stream-server.ts): the same unary handlers,
 * reached by frames on long-lived streams whose credential is checked once per stream. A stop
 * drains those streams first, so their clients move on and a graceful stop does not wait for them.
 */
export async function startGrpcServer(
  host: string,
  port: number,
  services: ServiceRegistration[],
  options: GrpcServerOptions,
): Promise<StartedServer> {
  const verifier = new InternalAuthVerifier(options.secret);
  const server = new Server({ ...GRPC_CHANNEL_OPTIONS, 'grpc.keepalive_time_ms': 30_000 });
  const streams = new StreamServer(
    services.map((s) =>
      options.observe ? { definition: s.definition, implementation: observed(s, options.observe) } : s,
    ),
    { maxAgeMs: options.streamMaxAgeMs },
  );
  server.addService(
    RawInternalStreamService,
    authenticated(RawInternalStreamService, { exchange: streams.handle }, verifier),
  );
  for (const s of services) {
    // Observed outside the check, so refused calls show up as UNAUTHENTICATED in the latency metric.
    const guarded = {
      definition: s.definition,
      implementation: authenticated(s.definition, s.implementation, verifier),
    };
    server.addService(
      s.definition,
      options.observe ? observed(guarded, options.observe) : guarded.implementation,
    );
  }
  const started = await listen(server, host, port, internalServerCredentials(options.tls));
  return {
    ...started,
    stop: (graceMs) => {
      streams.drainAll();
      return started.stop(graceMs);
    },
  };
}

/**
 * Binds a server whose services are added, and gives it the one stop every server of the suite has:
 * stop accepting calls, wait for running ones up to `graceMs`, then force.
 */
export async function listen(
  server: Server,
  host: string,
  port: number,
  credentials: ServerCredentials,
): Promise<StartedServer> {
  const bound = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, credentials, (err, p) => (err ? reject(err) : resolve(p)));
  });
  return {
    server,
    port: bound,
    stop: (graceMs = 5_000) =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        force.unref();
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
