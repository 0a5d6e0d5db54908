import {
  Server,
  ServerCredentials,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { GRPC_CHANNEL_OPTIONS } from './channel-options.js';

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

/** Starts a plaintext gRPC server for internal traffic on host:port (0 picks a free port). */
export async function startGrpcServer(
  host: string,
  port: number,
  services: ServiceRegistration[],
): Promise<StartedServer> {
  const server = new Server({ ...GRPC_CHANNEL_OPTIONS, 'grpc.keepalive_time_ms': 30_000 });
  for (const s of services) server.addService(s.definition, s.implementation);
  const bound = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    );
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
